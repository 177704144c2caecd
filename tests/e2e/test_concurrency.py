"""Concurrent updates, end to end (the real bot process against the emulator): one chat's slow update holds no
other chat's.

* A newcomer's reply is refused with a 429 and retry_after=9: the bot holds that chat for 9 s, then sends it
  again; a secretary's /tiendo, sent after the 429, is answered first.
* An admin sends the largest plan text the bot accepts (bot/intake/limits.py); while it is being read, a
  secretary's /tiendo is answered, before the draft. A hook in the bot process keeps the reader's worker thread
  busy, once it has read the document, until the test lets it go: "while it is being read" lasts exactly as
  long as the test needs, on any machine.

What is asserted is the order of the Bot API calls the emulator recorded, not durations (the one duration, the
9 s the refused chat waited, is a lower bound that a busy machine only lengthens).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot.intake.limits import MAX_TEXT_CHARS
from bot.settings import PROJECT_ROOT
from sandbox import EmulatorClient, TgUser
from tests.e2e.conftest import ADMIN, SECRETARY, STRANGER, BotRun
from tests.waiting import eventually

pytestmark = pytest.mark.asyncio(loop_scope="module")
REGISTERED = {"secretary": SECRETARY}
BOT_ENV: dict[str, str] = {}  # the hook's, added by `held_reading` before the bot starts
MARKER = "🔔"  # a reminder's header: the registered secretary gets one at start; replies have none
RETRY_AFTER = 9
SEED = PROJECT_ROOT / "plans" / "sources" / "dien-bien-2019.txt"

# Loaded at start-up by the bot process (as sitecustomize, through PYTHONPATH).
HOOK = '''"""tests/e2e/test_concurrency.py: the plan reader's worker thread, once it has read a document, stays busy
until the test lets it go (a file appears)."""
import os
import time
from pathlib import Path

import bot.intake.upload as upload

FOLDER = Path(os.environ["HELD_READING"])
_read = upload.draft_document


def _held(*args, **kwargs):
    (FOLDER / "reading").touch()
    try:
        return _read(*args, **kwargs)
    finally:
        while not (FOLDER / "release").exists():
            time.sleep(0.01)


upload.draft_document = _held
'''


@pytest.fixture(scope="module", autouse=True)
def held_reading(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hook's folder (autouse: set up before the module's bot process starts)."""
    folder = tmp_path_factory.mktemp("held-reading")
    (folder / "sitecustomize.py").write_text(HOOK)
    paths = [str(folder), str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    BOT_ENV.update(PYTHONPATH=os.pathsep.join(paths), HELD_READING=str(folder))
    return folder


async def last_seq(client: EmulatorClient) -> int:
    calls = await client.calls()
    return calls[-1]["seq"] if calls else 0


async def reply_to(client: EmulatorClient, user: TgUser, *, after: int) -> dict[str, Any]:
    """The first message the bot delivered to `user` after call `after` that is not a reminder."""
    async def found() -> dict[str, Any] | None:
        return next((call for call in await client.calls("sendMessage", after=after)
                     if call["chat_id"] == user.id and call["ok"]
                     and MARKER not in str(call["params"].get("text", ""))), None)

    return await client.wait_for(found, message=f"no reply to {user.first_name}")  # type: ignore[no-any-return]


async def test_another_chat_is_answered_while_one_waits_out_a_429(bot_run: BotRun) -> None:
    client = bot_run.client
    await client.add_fault("429", methods="sendMessage", chat_id=STRANGER.id, count=1, retry_after=RETRY_AFTER)
    start = await last_seq(client)
    await client.send_command(STRANGER, "tiendo")  # a newcomer: told to open their invite link

    async def refusal() -> dict[str, Any] | None:
        return next((call for call in await client.calls("sendMessage", after=start)
                     if call["chat_id"] == STRANGER.id and call["fault"] == "429"), None)

    refused = await client.wait_for(refusal, message="the newcomer's reply was never sent")
    await client.send_command(SECRETARY, "tiendo")
    answered = await reply_to(client, SECRETARY, after=refused["seq"])
    held = await reply_to(client, STRANGER, after=refused["seq"])

    assert answered["seq"] < held["seq"]  # the secretary did not wait behind the newcomer's 429
    assert "(HU-DIENBIEN)" in answered["params"]["text"]  # the secretary's progress
    assert held["time"] - refused["time"] >= RETRY_AFTER  # and the newcomer's chat did wait it out


async def test_another_chat_is_answered_while_the_largest_document_is_read(
    bot_run: BotRun, held_reading: Path
) -> None:
    client = bot_run.client
    seed = SEED.read_text(encoding="utf-8") + "\n"
    largest = seed * (MAX_TEXT_CHARS // len(seed))  # 400 pages of plan: as much text as the bot reads
    start = await last_seq(client)
    await client.upload_document(ADMIN, largest.encode("utf-8"), "ke-hoach-lon.txt")
    try:
        await eventually(lambda: _exists(held_reading / "reading"), bool, "the bot started reading the document")
        await client.send_command(SECRETARY, "tiendo")
        answered = await reply_to(client, SECRETARY, after=start)
        to_admin = [call for call in await client.calls(after=start)
                    if call["chat_id"] == ADMIN.id and call["method"] in ("sendMessage", "sendDocument")]
        assert to_admin == []  # the admin's draft is still being made
    finally:
        (held_reading / "release").touch()
    summary, draft = await client.wait_for_bot_messages(ADMIN.id, count=2)
    assert "ke-hoach-lon.txt" in summary["text"]  # the largest document was read and drafted, after the reply
    assert draft["document"]["file_name"] == "ke-hoach-lon.draft.xlsx"
    assert "(HU-DIENBIEN)" in answered["params"]["text"]  # the secretary's progress


async def _exists(path: Path) -> bool:
    return path.exists()
