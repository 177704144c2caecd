"""What every handler is given: the services (session factory, settings, clock) behind a typed callback context.

It lives with the handlers, not in the composition root (bot/app.py), so that no handler imports the module that
imports them all: bot/app.py builds the `Services` and names `BotContext` as the application's context type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ExtBot

from bot.progress import StatusRules
from bot.settings import Settings
from bot.timeutil import Clock


@dataclass(frozen=True)
class Services:
    session_factory: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock
    engine: AsyncEngine | None = None

    @property
    def rules(self) -> StatusRules:
        return StatusRules.from_settings(self.settings)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """The callback context of every handler: typed access to the services in bot_data."""

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        return self.services.session_factory

    @property
    def clock(self) -> Clock:
        return self.services.clock
