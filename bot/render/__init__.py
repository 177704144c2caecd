"""The one presentation of items in chat, shared by the handlers' views and the engine's reminders: item lines
and deadline phrases (items.py), the button protocol (buttons.py), a safe cut within Telegram's limit (fit.py).

Pure functions over domain data, HTML strings out; no Telegram types, so both handlers/ and scheduler/ use it.
"""
