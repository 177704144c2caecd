"""Chat with the bot from a terminal through the emulator (works from a pipe too).

``python -m sandbox.terminal --emulator http://127.0.0.1:8081 --user-id 1001 --name "Thư ký"``

Each line is sent as the current user. ``N`` or ``:press N`` presses button N of the
latest bot message with buttons; ``:user ID [name]`` switches user; ``:chat ID [title]``
writes in a group (``:chat`` alone: back to the private chat); ``:upload PATH [caption]``,
``:photo PATH [caption]``, ``:block``, ``:unblock``, ``:help``, ``:quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import httpx

from sandbox.client import EmulatorClient, EmulatorError, Message, TgUser, UserLike

HELP = (
    "Lệnh: N | :press N  bấm nút N · :user ID [tên] · :chat ID [tên nhóm] · :chat · "
    ":upload ĐƯỜNG_DẪN [chú thích] · :photo ĐƯỜNG_DẪN [chú thích] · :block · :unblock · "
    ":quit"
)


def _as_user(user: UserLike) -> TgUser:
    if isinstance(user, TgUser):
        return user
    if isinstance(user, int):
        return TgUser(user, f"User {user}")
    return TgUser(**{k: v for k, v in user.items() if k in TgUser.__dataclass_fields__})


def format_buttons(message: Message) -> str:
    """``[1] ✅ Đã hoàn thành  [2] ...`` for inline buttons or a reply keyboard."""
    labels = [b["text"] for row in message["buttons"] for b in row] or message["keyboard"]
    return "  ".join(f"[{n}] {label}" for n, label in enumerate(labels, 1))


def format_message(message: Message, *, edited: bool = False, where: str = "") -> str:
    lines = []
    body = message["text"] or message["caption"] or ""
    document, photo = message.get("document"), message.get("photo")
    if document:
        lines.append(f"📎 {document.get('file_name', 'tệp')} ({document['file_size']} B)")
    if photo:
        lines.append(f"🖼 ảnh {photo[-1]['width']}×{photo[-1]['height']}")
    if body:
        lines.append(body)
    text = "\n".join(lines) or "(trống)"
    prefix = "🤖 " + where + ("(đã sửa) " if edited else "")
    rendered = prefix + text.replace("\n", "\n   ")
    buttons = format_buttons(message)
    return rendered + (f"\n   {buttons}" if buttons else "")


class TerminalSession:
    """The state of one terminal: who speaks, where, and what has been shown."""

    def __init__(self, client: EmulatorClient, user: TgUser, out: TextIO) -> None:
        self.client = client
        self.user = user
        self.chat_id: int = user.id
        self.group_title: str | None = None
        self.out = out
        self._shown: dict[tuple[int, int], tuple[Any, ...]] = {}
        self._pending_answers: set[str] = set()
        self._call_seq = 0
        self._lock = asyncio.Lock()

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    async def snapshot(self) -> None:
        """Mark what already exists as shown, so the terminal starts with a clean screen."""
        await self.refresh(show=False)
        await self.last_call()

    async def refresh(self, show: bool = True) -> None:
        async with self._lock:
            for chat in await self.client.chats():
                for message in await self.client.bot_messages(chat["id"], include_deleted=True):
                    self._show_message(chat, message, show)
            for callback_id in sorted(self._pending_answers):
                answer = await self.client.callback_answer(callback_id)
                if answer is None:
                    continue
                self._pending_answers.discard(callback_id)
                if answer.get("text") and show:
                    self.say(("⚠️ " if answer.get("show_alert") else "🔔 ") + answer["text"])

    def _show_message(self, chat: dict[str, Any], message: Message, show: bool) -> None:
        key = (chat["id"], message["message_id"])
        signature = (message["edit_count"], message["deleted"])
        before = self._shown.get(key)
        if before == signature:
            return
        self._shown[key] = signature
        if not show or (before is None and message["deleted"]):
            return
        where = ""
        if chat["id"] != self.chat_id:
            where = f"[{chat.get('title') or chat.get('first_name')} {chat['id']}] "
        if message["deleted"]:
            self.say(f"🤖 {where}(đã xóa) #{message['message_id']}")
        else:
            self.say(format_message(message, edited=before is not None, where=where))

    async def watch(self) -> None:
        """Print bot output as it happens (reminders arrive while the user is idle)."""
        version = await self.client.changes()
        while True:
            version = await self.client.changes(after=version, timeout=25.0)
            await self.refresh()

    async def last_call(self) -> int:
        """Sequence number of the latest Bot API call (read incrementally)."""
        calls = await self.client.calls(after=self._call_seq)
        if calls:
            self._call_seq = calls[-1]["seq"]
        return self._call_seq

    async def _bot_acted_after(self, seq: int) -> bool:
        return any(c["method"].lower() != "getupdates" for c in await self.client.calls(after=seq))

    async def settle(self, since_call: int, first_wait: float, quiet: float,
                     limit: float = 15.0) -> None:
        """Wait for the bot's first API call after ``since_call``, then for ``quiet`` s of calm."""
        loop = asyncio.get_running_loop()
        first_deadline, deadline = loop.time() + first_wait, loop.time() + limit
        version = await self.client.changes()
        while not await self._bot_acted_after(since_call):
            remaining = first_deadline - loop.time()
            if remaining <= 0:
                break
            version = await self.client.changes(after=version, timeout=remaining)
        while loop.time() < deadline:
            newer = await self.client.changes(after=version, timeout=quiet)
            if newer == version:
                break
            version = newer
        await self.refresh()

    async def handle(self, line: str) -> str:
        """Act on one input line: ``"sent"`` (the bot may react), ``"local"`` or ``"quit"``."""
        if line.isdigit():
            line = f":press {line}"
        if not line.startswith(":"):
            await self.client.send_text(self.user, line, chat=self._chat_spec())
            return "sent"
        words = shlex.split(line[1:]) or ["help"]
        command, args = words[0].lower(), words[1:]
        if command in ("quit", "q", "exit"):
            return "quit"
        if command == "press" and args:
            await self.press(int(args[0]))
        elif command == "user" and args:
            self.user = TgUser(int(args[0]), " ".join(args[1:]) or f"User {args[0]}")
            self.chat_id, self.group_title = self.user.id, None
            self.say(f"— Người dùng: {self.user.first_name} ({self.user.id})")
            return "local"
        elif command == "chat":
            self.chat_id = int(args[0]) if args else self.user.id
            self.group_title = " ".join(args[1:]) or None
            self.say(f"— Cuộc trò chuyện: {self.chat_id}")
            return "local"
        elif command in ("upload", "photo") and args:
            content = Path(args[0]).expanduser().read_bytes()
            caption = " ".join(args[1:]) or None
            if command == "photo":
                await self.client.upload_photo(self.user, content, caption=caption,
                                               chat=self._chat_spec())
            else:
                await self.client.upload_document(self.user, content, Path(args[0]).name,
                                                  caption=caption, chat=self._chat_spec())
        elif command in ("block", "unblock"):
            await (self.client.block if command == "block" else self.client.unblock)(self.user.id)
            self.say(f"— {'Đã chặn' if command == 'block' else 'Đã bỏ chặn'} bot")
        else:
            self.say(HELP)
            return "local"
        return "sent"

    def _chat_spec(self) -> Any:
        if self.chat_id == self.user.id:
            return None
        spec: dict[str, Any] = {"id": self.chat_id,
                                "type": "supergroup" if self.chat_id < -10**12 else "group"}
        if self.group_title:
            spec["title"] = self.group_title
        return spec

    async def press(self, number: int) -> None:
        for message in reversed(await self.client.bot_messages(self.chat_id)):
            if message["buttons"]:
                callback_id = await self.client.press(self.user, message, index=number)
                self._pending_answers.add(callback_id)
                return
            if message["keyboard"]:
                labels = message["keyboard"]
                if not 1 <= number <= len(labels):
                    raise EmulatorError(f"không có nút {number}")
                await self.client.send_text(self.user, labels[number - 1], chat=self._chat_spec())
                return
        raise EmulatorError("không có tin nhắn nào có nút")


def _line_reader(stream: TextIO, loop: asyncio.AbstractEventLoop,
                 done: threading.Event) -> asyncio.Queue[str]:
    """Lines from a blocking stream via a daemon thread ('' at EOF), so Ctrl-C never hangs."""
    queue: asyncio.Queue[str] = asyncio.Queue()

    def pump() -> None:
        while not done.is_set():
            line = stream.readline()
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the loop is gone: the terminal has ended
                return
            if not line:
                return

    threading.Thread(target=pump, name="terminal-input", daemon=True).start()
    return queue


async def run_terminal(client: EmulatorClient, user: UserLike, input_stream: TextIO,
                       output_stream: TextIO, *, reply_wait: float = 3.0, quiet: float = 0.3,
                       final_wait: float = 1.0) -> int:
    """Run the chat loop until ``:quit`` or EOF (then wait for last replies); returns 0."""
    session = TerminalSession(client, _as_user(user), output_stream)
    await session.snapshot()
    interactive = input_stream.isatty()
    user_line = f"— Người dùng: {session.user.first_name} ({session.user.id})"
    session.say(f"{user_line}. :help để xem lệnh")
    done = threading.Event()
    lines = _line_reader(input_stream, asyncio.get_running_loop(), done)
    watcher = asyncio.create_task(session.watch())
    try:
        while True:
            if interactive:
                output_stream.write("> ")
                output_stream.flush()
            line = await lines.get()
            since = await session.last_call()
            if not line:
                await session.settle(since, final_wait, quiet)
                break
            line = line.strip()
            if not line:
                continue
            try:
                outcome = await session.handle(line)
            except (EmulatorError, OSError, ValueError) as exc:
                session.say(f"⚠ {exc}")
                continue
            if outcome == "quit":
                break
            if outcome == "sent":
                await session.settle(since, reply_wait, quiet)
    finally:
        done.set()
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.terminal",
                                     description="Chat with the bot through the emulator.")
    parser.add_argument("--emulator", default="http://127.0.0.1:8081")
    parser.add_argument("--user-id", type=int, default=1001)
    parser.add_argument("--name", default="Người dùng")
    parser.add_argument("--username", default=None)
    parser.add_argument("--lang", default="vi")
    parser.add_argument("--wait", type=float, default=3.0,
                        help="seconds to wait for the bot's reply to each line")
    args = parser.parse_args(argv)
    user = TgUser(args.user_id, args.name, username=args.username, language_code=args.lang)

    async def run() -> int:
        async with EmulatorClient(args.emulator) as client:
            return await run_terminal(client, user, sys.stdin, sys.stdout, reply_wait=args.wait)

    try:
        return asyncio.run(run())
    except KeyboardInterrupt:
        return 130
    except httpx.HTTPError as exc:
        print(f"Không kết nối được emulator {args.emulator}: {exc!r}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
