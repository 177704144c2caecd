"""The emulator without HTTP: state, Bot API, user actions, faults and flood limits together."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from sandbox.actions import UserActions
from sandbox.botapi import SEND_METHODS, BotApi
from sandbox.errors import not_found, too_many_requests, unauthorized
from sandbox.faults import Faults, FloodControl
from sandbox.params import Params
from sandbox.state import EmulatorState

_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")


class Emulator:
    """One emulated Telegram for one bot; reached over HTTP through ``sandbox.server``."""

    def __init__(self, *, token: str | None = None, bot_username: str = "nhacviec_bot",
                 bot_first_name: str = "Nhắc việc") -> None:
        self.token = token
        bot_id = int(token.split(":")[0]) if token else 12345
        self.state = EmulatorState(bot_id, bot_username, bot_first_name)
        self.api = BotApi(self.state)
        self.actions = UserActions(self.state)
        self.faults = Faults()
        self.flood = FloodControl()

    def reset(self) -> None:
        self.state.reset()
        self.faults.clear()
        self.flood.clear()

    def check_token(self, token: str) -> None:
        if not _TOKEN.fullmatch(token):
            raise not_found()
        if self.token is not None and token != self.token:
            raise unauthorized()
        self.state.bot_id = int(token.split(":")[0])

    async def dispatch(self, method: str, params: Params,
                       entry: dict[str, Any]) -> tuple[Any, float]:
        """Run one call through faults and flood limits; returns the result and a post-delay."""
        name = method.lower()
        if not self.api.knows(name):
            raise not_found()
        chat_id = params.values.get("chat_id")
        rule = self.faults.pick(name, chat_id)
        post_delay = 0.0
        if rule is not None:
            entry["fault"] = rule.kind
            self.state.counters[f"faults.{rule.kind}"] += 1
            error = rule.error()
            if error is not None:
                raise error
            if rule.after_processing:
                post_delay = rule.delay
            else:
                await asyncio.sleep(rule.delay)
        if name in SEND_METHODS and self.state.config.rate_limit:
            retry_after = self.flood.retry_after(chat_id)
            if retry_after is not None:
                self.state.counters["rate_limited"] += 1
                entry["fault"] = "rate_limit"
                raise too_many_requests(retry_after)
        result = await self.api.call(name, params)
        if name in SEND_METHODS:
            self.flood.record(chat_id)
        return result, post_delay


EMULATOR = web.AppKey("emulator", Emulator)
