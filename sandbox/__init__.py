"""Offline Telegram Bot API emulator for end-to-end tests and the sandbox.

``EmulatorServer`` serves the Bot API (for python-telegram-bot) and a control API;
``EmulatorClient`` acts as users and reads what the bot did.
"""

from sandbox.client import EmulatorClient, EmulatorError, TgUser, group
from sandbox.server import EmulatorServer

__all__ = ["EmulatorClient", "EmulatorError", "EmulatorServer", "TgUser", "group"]
