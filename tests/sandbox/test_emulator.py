"""The emulator against the real python-telegram-bot: a tiny bot polls it, a client plays users."""

from __future__ import annotations

import asyncio
import io
import queue
import struct
import time
import warnings
import zlib
from collections.abc import AsyncIterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

import sandbox.faults
from sandbox import EmulatorClient, EmulatorServer, TgUser, group
from sandbox.errors import NOT_MODIFIED
from sandbox.terminal import run_terminal
from tests.waiting import FAILURE_BOUND

pytestmark = pytest.mark.asyncio

TOKEN = "12345:sandbox-token"
THU_KY = TgUser(1001, "Thư ký", username="thuky", language_code="vi")
KEYBOARD = InlineKeyboardMarkup(
    [[InlineKeyboardButton("✅ Đã hoàn thành", callback_data="done:1"),
      InlineKeyboardButton("⏰ Hoãn", callback_data="snooze:1")]]
)


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(
        b"IEND", b""
    )


def seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# -- the tiny bot ------------------------------------------------------------------------


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("<b>Xin chào</b> &amp; chào mừng", parse_mode="HTML",
                                    reply_markup=KEYBOARD)


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer(f"Đã ghi nhận {query.data}", show_alert=query.data.startswith("snooze"))
    await query.edit_message_text(f"Xong: {query.data}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.message
    assert message is not None and message.document is not None
    file = await message.document.get_file()
    content = bytes(await file.download_as_bytearray())
    context.bot_data.setdefault("downloads", []).append(content)
    await message.reply_document(content, filename=f"copy_{message.document.file_name}")


async def on_migrate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("migrations", []).append(update.effective_message)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    context.bot_data.setdefault("texts", []).append(update.message.text)
    await update.message.reply_text(f"Bạn nói: {update.message.text}")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)


def build_bot(emu: EmulatorServer, *, rate_limiter: AIORateLimiter | None = None) -> Application:
    builder = (ApplicationBuilder().token(TOKEN).base_url(emu.api_base_url)
               .base_file_url(emu.file_base_url))
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    app.add_handler(CommandHandler("start", on_start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrate))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_error_handler(on_error)
    return app


async def start_polling(app: Application) -> None:
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1)


async def stop_polling(app: Application) -> None:
    assert app.updater is not None
    await app.updater.stop()
    await app.stop()
    await app.shutdown()


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(port=0) as server:
        yield server


@pytest.fixture
def client(emu: EmulatorServer) -> EmulatorClient:
    return emu.client


@pytest.fixture
async def bot(emu: EmulatorServer) -> AsyncIterator[Application]:
    app = build_bot(emu)
    await start_polling(app)
    try:
        yield app
    finally:
        await stop_polling(app)


class RawApi:
    """Plain HTTP calls to the Bot API, for what PTB would not send."""

    def __init__(self, emu: EmulatorServer, http: httpx.AsyncClient) -> None:
        self.emu, self.http = emu, http

    async def __call__(self, method: str, token: str = TOKEN, **kwargs: Any) -> httpx.Response:
        return await self.http.post(f"{self.emu.api_base_url}{token}/{method}", **kwargs)


@pytest.fixture
async def raw(emu: EmulatorServer) -> AsyncIterator[RawApi]:
    async with httpx.AsyncClient(trust_env=False, timeout=FAILURE_BOUND) as http:
        yield RawApi(emu, http)


# -- conversations through PTB -------------------------------------------------------------


async def test_start_command_gets_html_reply_with_buttons(bot: Application,
                                                          client: EmulatorClient) -> None:
    before = int(time.time())
    sent = await client.send_command(THU_KY, "start")
    assert sent["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]

    [reply] = await client.wait_for_bot_messages(THU_KY.id)
    after = time.time()

    assert reply["text"] == "Xin chào & chào mừng"
    assert reply["raw_text"] == "<b>Xin chào</b> &amp; chào mừng"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 8}]
    assert [b["text"] for b in reply["buttons"][0]] == ["✅ Đã hoàn thành", "⏰ Hoãn"]
    message = reply["message"]
    assert message["from"] == {"id": 12345, "is_bot": True, "first_name": "Nhắc việc",
                               "username": "nhacviec_bot"}
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "Thư ký",
                               "username": "thuky"}
    assert isinstance(message["date"], int) and before <= message["date"] <= after  # real time, in seconds
    assert message["message_id"] == sent["message_id"] + 1


async def test_button_press_is_answered_and_message_edited(bot: Application,
                                                           client: EmulatorClient) -> None:
    await client.send_command(THU_KY, "start")
    [menu] = await client.wait_for_bot_messages(THU_KY.id)

    callback_id = await client.press(THU_KY, menu, text="⏰ Hoãn")

    answer = await client.wait_for_callback_answer(callback_id)
    assert answer["text"] == "Đã ghi nhận snooze:1" and answer["show_alert"] is True
    edited = await client.wait_for_edit(THU_KY.id, menu["message_id"])
    assert edited["text"] == "Xong: snooze:1"
    assert edited["edited"] and isinstance(edited["edit_date"], int)
    assert edited["buttons"] == []  # editMessageText without reply_markup drops the keyboard


async def test_job_queue_message_arrives(bot: Application, client: EmulatorClient) -> None:
    await client.open_private_chat(THU_KY)

    async def remind(context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(THU_KY.id, "Nhắc việc: nộp báo cáo")

    assert bot.job_queue is not None
    bot.job_queue.run_once(remind, 0.05)

    [reminder] = await client.wait_for_bot_messages(THU_KY.id)
    assert reminder["text"] == "Nhắc việc: nộp báo cáo"


async def test_user_document_is_downloadable_by_the_bot(bot: Application,
                                                        client: EmulatorClient) -> None:
    content = "Kế hoạch tháng 5\n".encode() * 100

    await client.upload_document(THU_KY, content, "ke_hoach.txt", caption="gửi anh")

    [reply] = await client.wait_for_bot_messages(THU_KY.id)
    assert bot.bot_data["downloads"] == [content]
    assert reply["document"]["file_name"] == "copy_ke_hoach.txt"
    assert reply["document"]["mime_type"] == "text/plain"
    assert reply["document"]["file_size"] == len(content)
    assert await client.bot_file(reply["document"]["file_id"]) == content


async def test_group_migration_emits_service_messages_and_redirects(
        bot: Application, client: EmulatorClient) -> None:
    room = group("Phòng Kế hoạch", chat_id=-4001)
    await client.send_command(THU_KY, "start", chat=room)
    await client.wait_for_bot_messages(-4001)

    new_id = await client.migrate(-4001, by=THU_KY)

    assert new_id == -1000000004001
    async with asyncio.timeout(FAILURE_BOUND):  # the bot's own state: no emulator change to wake on
        while len(bot.bot_data.get("migrations", [])) < 2:
            await asyncio.sleep(0.01)
    old_notice, new_notice = bot.bot_data["migrations"]
    assert old_notice.migrate_to_chat_id == new_id and old_notice.chat.id == -4001
    assert new_notice.migrate_from_chat_id == -4001 and new_notice.chat.type == "supergroup"
    with pytest.raises(ChatMigrated) as migrated:
        await bot.bot.send_message(-4001, "Họp lúc 9 giờ")
    assert migrated.value.new_chat_id == new_id
    await bot.bot.send_message(new_id, "Họp lúc 9 giờ")


async def test_privacy_mode_hides_plain_group_text(bot: Application,
                                                   client: EmulatorClient) -> None:
    room = group("Phòng Tổ chức", chat_id=-4002)
    await client.send_text(THU_KY, "chào cả nhà", chat=room)
    await client.send_text(THU_KY, "riêng tư")

    [echo] = await client.wait_for_bot_messages(THU_KY.id)
    assert echo["text"] == "Bạn nói: riêng tư"
    assert bot.bot_data["texts"] == ["riêng tư"]

    await client.configure(privacy_mode=False)
    await client.send_text(THU_KY, "chào lần nữa", chat=room)
    [group_echo] = await client.wait_for_bot_messages(-4002)
    assert group_echo["text"] == "Bạn nói: chào lần nữa"


# -- Bot API errors as PTB sees them -------------------------------------------------------


async def test_edit_without_changes_is_not_modified(bot: Application,
                                                    client: EmulatorClient) -> None:
    await client.open_private_chat(THU_KY)
    sent = await bot.bot.send_message(THU_KY.id, "Việc 1", reply_markup=KEYBOARD)

    with pytest.raises(BadRequest) as error:
        await bot.bot.edit_message_text("Việc 1", THU_KY.id, sent.message_id,
                                        reply_markup=KEYBOARD)
    assert NOT_MODIFIED.endswith(error.value.message[1:])  # PTB drops "Bad Request: "
    assert (await client.calls("editMessageText"))[-1]["description"] == NOT_MODIFIED

    await bot.bot.edit_message_reply_markup(THU_KY.id, sent.message_id, reply_markup=None)
    assert (await client.message(THU_KY.id, sent.message_id))["buttons"] == []


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter(int)
async def test_injected_429_raises_retry_after_then_recovers(bot: Application,
                                                             client: EmulatorClient) -> None:
    await client.open_private_chat(THU_KY)
    await client.add_fault("429", methods="sendMessage", retry_after=7, count=1)

    with pytest.raises(RetryAfter) as error:
        await bot.bot.send_message(THU_KY.id, "lần 1")
    assert seconds(error.value) == 7

    await bot.bot.send_message(THU_KY.id, "lần 2")
    assert (await client.stats())["too_many_requests"] == 1
    statuses = [c["status"] for c in await client.calls("sendMessage")]
    assert statuses == [429, 200]


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # RetryAfter(int)
async def test_aio_rate_limiter_retries_after_429(emu: EmulatorServer,
                                                  client: EmulatorClient) -> None:
    app = build_bot(emu, rate_limiter=AIORateLimiter(max_retries=1))
    await start_polling(app)
    try:
        await client.open_private_chat(THU_KY)
        await client.add_fault("429", methods="sendMessage", retry_after=1, count=1)
        started = time.monotonic()
        await app.bot.send_message(THU_KY.id, "vẫn tới nơi")
        assert time.monotonic() - started >= 1.0
    finally:
        await stop_polling(app)
    [message] = await client.wait_for_bot_messages(THU_KY.id)
    assert message["text"] == "vẫn tới nơi"


async def test_blocked_user_gives_forbidden(bot: Application, client: EmulatorClient) -> None:
    await client.send_text(THU_KY, "xin chào")
    await client.wait_for_bot_messages(THU_KY.id)

    await client.block(THU_KY.id)
    with pytest.raises(Forbidden, match=r"^Forbidden: bot was blocked by the user$"):
        await bot.bot.send_message(THU_KY.id, "nhắc việc")

    await client.unblock(THU_KY.id)
    await bot.bot.send_message(THU_KY.id, "nhắc việc")


async def test_server_errors_and_slow_answers(bot: Application, client: EmulatorClient) -> None:
    await client.open_private_chat(THU_KY)
    await client.add_fault("502", methods=["sendMessage"], count=1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.bot.send_message(THU_KY.id, "a")

    # The answer stalls after the work is done: the bot times out, the message still exists.
    await client.add_fault("hang", methods="sendMessage", delay=FAILURE_BOUND, after_processing=True,
                           count=1)
    with pytest.raises(TimedOut):
        await bot.bot.send_message(THU_KY.id, "gửi hai lần?", read_timeout=0.2)
    assert [m["text"] for m in await client.bot_messages(THU_KY.id)] == ["gửi hai lần?"]


async def test_seeded_probability_faults_are_reproducible(raw: RawApi,
                                                          client: EmulatorClient) -> None:
    async def pattern() -> list[int]:
        await client.reset()
        await client.add_fault("500", methods="getMe", probability=0.5, seed=42)
        return [(await raw("getMe")).status_code for _ in range(12)]

    first, second = await pattern(), await pattern()
    assert first == second and {200, 500} == set(first)


async def test_bot_api_error_texts(bot: Application, client: EmulatorClient) -> None:
    await client.open_private_chat(THU_KY)
    cases = [
        (dict(chat_id=999, text="x"), "Bad Request: chat not found"),
        (dict(chat_id=THU_KY.id, text=" "), "Bad Request: message text is empty"),
        (dict(chat_id=THU_KY.id, text="x" * 4097), "Bad Request: message is too long"),
        (dict(chat_id=THU_KY.id, text="Hạn <b>5/5", parse_mode="HTML"),
         'Bad Request: can\'t parse entities: Can\'t find end tag corresponding to start tag "b"'),
        (dict(chat_id=THU_KY.id, text="x", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="d" * 65)]])),
         "Bad Request: BUTTON_DATA_INVALID"),
    ]
    for kwargs, description in cases:
        with pytest.raises(BadRequest):
            await bot.bot.send_message(**kwargs)
        assert (await client.calls("sendMessage"))[-1]["description"] == description
    await bot.bot.send_message(THU_KY.id, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired"):
        await bot.bot.answer_callback_query("123")
    with pytest.raises(BadRequest, match=r"^Message to edit not found$"):
        await bot.bot.edit_message_text("y", THU_KY.id, 999)


async def test_bad_token_unknown_method_and_request_encodings(
        raw: RawApi, emu: EmulatorServer, client: EmulatorClient) -> None:
    not_found = await raw("getMe", token="not-a-token")
    assert not_found.status_code == 404
    assert not_found.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert (await raw("sendSticker")).json()["description"] == "Not Found"
    async with EmulatorServer(port=0, token=TOKEN) as strict:
        app = ApplicationBuilder().token("12345:wrong").base_url(strict.api_base_url).build()
        with pytest.raises(InvalidToken):
            await app.bot.get_me()

    await client.open_private_chat(THU_KY)
    as_json = await raw("SENDMESSAGE", json={"chat_id": THU_KY.id, "text": "json"})
    markup = '{"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}'
    as_form = await raw("sendMessage",
                             data={"chat_id": str(THU_KY.id), "text": "form",
                                   "reply_markup": markup})
    async with httpx.AsyncClient(trust_env=False) as http:
        as_query = await http.get(f"{emu.api_base_url}{TOKEN}/sendMessage",
                                  params={"chat_id": THU_KY.id, "text": "query"})
    assert [r.status_code for r in (as_json, as_form, as_query)] == [200, 200, 200]
    assert as_form.json()["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    assert [m["message_id"] for m in await client.bot_messages(THU_KY.id)] == [1, 2, 3]


async def test_photo_upload_by_bytes_then_by_file_id(bot: Application,
                                                     client: EmulatorClient) -> None:
    await client.open_private_chat(THU_KY)
    first = await bot.bot.send_photo(THU_KY.id, tiny_png(), caption="<i>ảnh</i>",
                                     parse_mode="HTML")
    assert (first.photo[-1].width, first.photo[-1].height) == (3, 2)
    assert first.caption == "ảnh"
    again = await bot.bot.send_photo(THU_KY.id, first.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == first.photo[-1].file_unique_id
    with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
        await bot.bot.send_photo(THU_KY.id, b"not an image")
    with pytest.raises(BadRequest, match=r"(?i)can't use file of type Photo as Document"):
        await bot.bot.send_document(THU_KY.id, first.photo[-1].file_id)


async def test_set_my_commands_is_stored_per_scope_and_language(
        bot: Application, client: EmulatorClient) -> None:
    commands = [BotCommand("start", "Bắt đầu"), BotCommand("viec", "Việc của tôi")]
    scope = BotCommandScopeAllPrivateChats()

    await bot.bot.set_my_commands(commands, scope=scope, language_code="vi")

    stored = await client.command_list({"type": "all_private_chats"}, "vi")
    assert stored == [{"command": "start", "description": "Bắt đầu"},
                      {"command": "viec", "description": "Việc của tôi"}]
    assert await client.command_list() == []
    assert await bot.bot.get_my_commands(scope=scope, language_code="vi") == tuple(commands)
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.bot.set_my_commands([BotCommand("Bad-Name", "x")])


# -- emulator mechanics ---------------------------------------------------------------------


async def test_long_polling_returns_promptly_without_busy_looping(
        raw: RawApi, client: EmulatorClient) -> None:
    started = time.monotonic()
    empty = await raw("getUpdates", json={"timeout": 0.3})
    assert empty.json() == {"ok": True, "result": []}
    assert time.monotonic() - started >= 0.3  # it waited its timeout (a lower bound: no machine is too fast)

    # A poll that would wait an hour: only the update can end it (the bound only stops a failing test).
    state = raw.emu.state
    parked = state.poll_generation + 1
    poll = asyncio.create_task(raw("getUpdates", json={"timeout": 3600}))
    async with asyncio.timeout(FAILURE_BOUND):
        while state.poll_generation < parked:  # until the poll waits in the emulator
            await asyncio.sleep(0.01)
    await client.send_text(THU_KY, "có ai không?")
    [update] = (await poll).json()["result"]
    assert update["message"]["text"] == "có ai không?"
    assert len(await client.calls("getUpdates")) == 2

    confirmed = await raw("getUpdates", json={"offset": update["update_id"] + 1, "timeout": 0})
    assert confirmed.json()["result"] == []


async def test_realistic_rate_limit_mode(raw: RawApi, client: EmulatorClient,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The flood limits are sliding windows on the emulator's monotonic clock: stopped here, so a burst falls in
    # one window however slowly this machine sends it.
    monkeypatch.setattr(sandbox.faults, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    for user_id in range(2001, 2041):
        await client.open_private_chat(user_id)
    await client.create_group("Phòng Hành chính", chat_id=-4100)

    async def send(chat_id: int) -> httpx.Response:
        return await raw("sendMessage", json={"chat_id": chat_id, "text": "x"})

    assert {(await send(u)).status_code for u in range(2001, 2041)} == {200}  # off by default
    await client.reset()
    for user_id in range(2001, 2041):
        await client.open_private_chat(user_id)
    await client.create_group("Phòng Hành chính", chat_id=-4100)
    await client.set_rate_limit(True)

    burst = await asyncio.gather(*(send(u) for u in range(2001, 2032)))
    assert sorted(r.status_code for r in burst) == [200] * 30 + [429]
    limited = await send(2040)
    assert limited.json()["parameters"]["retry_after"] == 1

    await client.reset()
    await client.create_group("Phòng Hành chính", chat_id=-4100)
    await client.set_rate_limit(True)
    statuses = [(await send(-4100)).status_code for _ in range(21)]
    assert statuses == [200] * 20 + [429]
    assert (await client.stats())["rate_limited"] == 1


async def test_wait_for_bot_messages_times_out_with_a_clear_message(
        raw: RawApi, client: EmulatorClient) -> None:
    await client.send_text(THU_KY, "không ai trả lời")
    await raw("sendMessage", json={"chat_id": 5, "text": "x"})
    with pytest.raises(AssertionError) as error:
        await client.wait_for_bot_messages(THU_KY.id, timeout=0.2)
    assert "expected 1 new bot message(s) in chat 1001" in str(error.value)
    assert "sendMessage -> 400 Bad Request: chat not found" in str(error.value)


class TypedInput(io.TextIOBase):
    """A terminal's input typed line by line by the test, once the bot has answered the previous one: the
    terminal's own reply waits then decide nothing, however slow the bot is."""

    def __init__(self) -> None:
        self._lines: queue.Queue[str] = queue.Queue()

    def type(self, line: str) -> None:
        self._lines.put(line + "\n")

    def end(self) -> None:
        self._lines.put("")  # end of input, as a pipe's EOF

    def readline(self, size: int | None = -1) -> str:
        return self._lines.get()

    def isatty(self) -> bool:
        return False


async def test_terminal_chats_with_the_bot(bot: Application, client: EmulatorClient) -> None:
    typed, output = TypedInput(), io.StringIO()
    terminal = asyncio.create_task(run_terminal(client, THU_KY, typed, output, reply_wait=2.0, quiet=0.1,
                                                final_wait=0.2))
    try:
        typed.type("/start")
        [menu] = await client.wait_for_bot_messages(THU_KY.id)
        typed.type("2")
        await client.wait_for_edit(THU_KY.id, menu["message_id"])
        await client.wait_for(lambda: client.calls("answerCallbackQuery"))
        typed.type("chào bạn")
        await client.wait_for_bot_messages(THU_KY.id)  # the echo
        typed.type(":user 2002 Lan")
        typed.type("1")
    finally:
        typed.end()
    async with asyncio.timeout(FAILURE_BOUND):
        await terminal

    shown = output.getvalue()
    assert "🤖 Xin chào & chào mừng\n   [1] ✅ Đã hoàn thành  [2] ⏰ Hoãn" in shown
    assert "🤖 (đã sửa) Xong: snooze:1" in shown
    assert "⚠️ Đã ghi nhận snooze:1" in shown
    assert "🤖 Bạn nói: chào bạn" in shown
    assert "— Người dùng: Lan (2002)" in shown
    assert "⚠ không có tin nhắn nào có nút" in shown
