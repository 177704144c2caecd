"""The update processor: chats handled at once, each chat's updates one after another in the order they came; a
chat's backlog holds one running place, not all; nothing is kept for a chat once its updates are done.

Driven as python-telegram-bot drives it (a task per update, created in arrival order), with handlers that wait
on events the test sets: the order of what happened is asserted, never a duration.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from telegram import CallbackQuery, Chat, Message, Update, User

from bot.app import build_application
from bot.settings import Settings
from handlers.processor import ChatOrderedProcessor, lane_of

WHEN = datetime(2020, 5, 12, 2, 0, tzinfo=UTC)
LAN, MINH = User(1001, "Lan", is_bot=False), User(1003, "Minh", is_bot=False)
GROUP = Chat(-100123, Chat.SUPERGROUP)


def message(update_id: int, user: User, chat: Chat | None = None) -> Update:
    chat = chat or Chat(user.id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, WHEN, chat, from_user=user, text="/tiendo"))


def press(update_id: int, user: User, under: Message | None) -> Update:
    query = CallbackQuery(str(update_id), user, "instance", data="done:1", message=under,
                          inline_message_id=None if under else "inline-1")
    return Update(update_id, callback_query=query)


async def settle() -> None:
    """Lets every task run until it waits for the test (the handlers do no I/O: a few loop turns are plenty)."""
    for _ in range(20):
        await asyncio.sleep(0)


class Handlers:
    """Handler coroutines that log their start and end, each finishing when the test lets it."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.release: dict[str, asyncio.Event] = {}

    async def handle(self, name: str) -> None:
        self.log.append(f"{name} starts")
        await self.release[name].wait()
        self.log.append(f"{name} ends")

    def feed(self, processor: ChatOrderedProcessor, *named: tuple[str, Update]) -> list[asyncio.Task[None]]:
        """As PTB does: one task per update, in the order the updates came."""
        tasks = []
        for name, update in named:
            self.release[name] = asyncio.Event()
            tasks.append(asyncio.create_task(processor.process_update(update, self.handle(name))))
        return tasks

    async def finish(self, *names: str) -> None:
        for name in names:
            self.release[name].set()
        await settle()


async def test_one_chat_in_order_while_another_chat_is_answered_in_between() -> None:
    processor, handlers = ChatOrderedProcessor(), Handlers()
    tasks = handlers.feed(processor, ("lan 1", message(1, LAN)), ("lan 2", message(2, LAN)),
                          ("minh", message(3, MINH)))
    await settle()
    assert handlers.log == ["lan 1 starts", "minh starts"]  # Minh is not held by Lan's first update
    await handlers.finish("minh", "lan 2")  # "lan 2" could end at once, yet must not start before "lan 1" ends
    assert handlers.log == ["lan 1 starts", "minh starts", "minh ends"]
    await handlers.finish("lan 1")
    assert handlers.log == ["lan 1 starts", "minh starts", "minh ends", "lan 1 ends", "lan 2 starts", "lan 2 ends"]
    await asyncio.gather(*tasks)


async def test_a_button_press_waits_for_the_command_of_its_chat() -> None:
    """A press is in the chat of the message it was pressed under; a press under an inline message (no chat) is
    in its user's lane; a group is its own lane, whoever writes in it."""
    command = message(1, LAN)
    assert command.message is not None
    assert lane_of(press(2, LAN, command.message)) == LAN.id
    assert lane_of(press(3, MINH, None)) == MINH.id
    assert lane_of(message(4, LAN, GROUP)) == lane_of(message(5, MINH, GROUP)) == GROUP.id
    assert lane_of(object()) is None  # not a Telegram update: nothing to order it by

    processor, handlers = ChatOrderedProcessor(), Handlers()
    tasks = handlers.feed(processor, ("command", command), ("press", press(2, LAN, command.message)),
                          ("group", message(4, LAN, GROUP)))
    await settle()
    assert handlers.log == ["command starts", "group starts"]  # Lan in the group: another chat, handled at once
    await handlers.finish("group", "press")
    assert "press starts" not in handlers.log
    await handlers.finish("command")
    assert handlers.log[-3:] == ["command ends", "press starts", "press ends"]
    await asyncio.gather(*tasks)


async def test_a_chat_backlog_holds_one_running_place_and_the_bound_holds() -> None:
    processor, handlers = ChatOrderedProcessor(max_running=2), Handlers()
    backlog = [f"lan {n}" for n in range(1, 6)]  # a user pressing again and again
    tasks = handlers.feed(processor, *((name, message(n, LAN)) for n, name in enumerate(backlog, 1)),
                          ("minh", message(10, MINH)), ("hoa", message(11, User(1005, "Hoa", is_bot=False))))
    await settle()
    assert handlers.log == ["lan 1 starts", "minh starts"]  # Lan's four waiting updates took no place from Minh
    assert processor.current_concurrent_updates == 7  # all in hand: PTB's own bound is max_pending
    await handlers.finish("minh")
    assert handlers.log[2:] == ["minh ends", "hoa starts"]  # two places: Hoa's turn came when Minh was done
    await handlers.finish(*backlog, "hoa")
    assert [line for line in handlers.log if line.startswith("lan")] == [
        f"{name} {what}" for name in backlog for what in ("starts", "ends")]
    await asyncio.gather(*tasks)


async def test_idle_chats_are_forgotten() -> None:
    processor, handlers = ChatOrderedProcessor(), Handlers()
    tasks = handlers.feed(processor, ("lan 1", message(1, LAN)), ("lan 2", message(2, LAN)),
                          ("minh", message(3, MINH)))
    await settle()
    assert processor.busy_chats == 2
    await handlers.finish("minh")
    assert processor.busy_chats == 1  # Minh's lane went with his last update
    await handlers.finish("lan 1", "lan 2")
    await asyncio.gather(*tasks)
    assert processor.busy_chats == 0

    # A thousand chats at once, one update each: nothing stays behind them.
    await asyncio.gather(*(processor.process_update(message(n, User(n, "u", is_bot=False)), asyncio.sleep(0))
                           for n in range(20_000, 21_000)))
    assert processor.busy_chats == 0


async def test_a_cancelled_waiting_update_leaves_nothing_behind() -> None:
    processor, handlers = ChatOrderedProcessor(), Handlers()
    tasks = handlers.feed(processor, ("lan 1", message(1, LAN)), ("lan 2", message(2, LAN)))
    await settle()
    tasks[1].cancel()  # the bot stopping while "lan 2" waits its turn
    await handlers.finish("lan 1")
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert isinstance(results[1], asyncio.CancelledError)
    assert handlers.log == ["lan 1 starts", "lan 1 ends"] and processor.busy_chats == 0


def test_the_bot_is_built_with_it() -> None:
    settings = Settings(_env_file=None, telegram_bot_token="12345:test-token", database_url="sqlite+aiosqlite://")
    application = build_application(settings=settings, session_factory=async_sessionmaker(), reminders=False)
    assert isinstance(application.update_processor, ChatOrderedProcessor)
    assert application.concurrent_updates > 1  # PTB then hands each update to it in a task of its own
