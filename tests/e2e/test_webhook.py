"""Webhook mode, end to end: the real bot process serves a webhook, the emulator pushes updates to it like
Telegram does, and a request without the secret token is refused before any handler sees it."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import SECRETARY, BotRun
from tests.e2e.processes import TOKEN
from tests.e2e.webhooks import PATH, SECRET
from tests.waiting import FAILURE_BOUND

pytestmark = pytest.mark.asyncio(loop_scope="module")

WEBHOOK = True


async def bot_api(run: BotRun, method: str) -> dict:  # type: ignore[type-arg]
    async with httpx.AsyncClient(timeout=FAILURE_BOUND) as http:
        return (await http.post(f"{run.emu.api_base_url}{TOKEN}/{method}")).json()  # type: ignore[no-any-return]


def update_from(user_id: int, text: str, update_id: int) -> dict:  # type: ignore[type-arg]
    user = {"id": user_id, "is_bot": False, "first_name": "Kẻ giả mạo"}
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": 1589248800, "chat": {"id": user_id, "type": "private", "first_name": "Kẻ giả mạo"},
        "from": user, "text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}]}}


async def test_the_bot_registers_its_webhook_and_never_polls(bot_run: BotRun) -> None:
    info = await bot_api(bot_run, "getWebhookInfo")
    assert info["result"]["url"] == f"http://127.0.0.1:{bot_run.webhook_port}/{PATH}"
    assert await bot_run.client.calls("getUpdates") == []
    assert "webhook" in bot_run.log()


async def test_users_register_and_read_progress_over_the_webhook(bot_run: BotRun) -> None:
    await bot_run.client.send_command(SECRETARY, "start", bot_run.invites["secretary"])
    reply = (await bot_run.client.wait_for_bot_messages(SECRETARY.id))[0]
    assert "Đã đăng ký: thư ký của Huyện ủy Điện Biên" in reply["text"]
    await bot_run.client.send_command(SECRETARY, "tiendo")
    progress = (await bot_run.client.wait_for_bot_messages(SECRETARY.id))[0]
    assert "M03" in progress["text"]  # page 1 of the list
    stats = await bot_run.client.stats()
    assert stats["calls"].get("getUpdates", 0) == 0


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "doan-sai"}],
                         ids=["no secret", "wrong secret"])
async def test_a_request_without_the_secret_is_refused_and_changes_nothing(bot_run: BotRun, headers) -> None:  # type: ignore[no-untyped-def]
    await bot_run.client.consume_bot_messages(SECRETARY.id)
    url = f"http://127.0.0.1:{bot_run.webhook_port}/{PATH}"
    forged = update_from(SECRETARY.id, "/tiendo", update_id=900_000)
    async with httpx.AsyncClient(timeout=FAILURE_BOUND) as http:
        refused = await http.post(url, content=json.dumps(forged), headers={"Content-Type": "application/json",
                                                                             **headers})
        assert refused.status_code == 403
        # The same request with the secret is served: the token, not the request's shape, was refused. Then a
        # /help: the bot handles updates one at a time, in order, so once /help is answered, a forged /tiendo that
        # got through would have been answered before it.
        for update_id, text in ((900_001, "/tiendo"), (900_002, "/help")):
            accepted = await http.post(url, content=json.dumps(update_from(SECRETARY.id, text, update_id)),
                                       headers={"Content-Type": "application/json",
                                                "X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert accepted.status_code == 200
    reply, help_text = await bot_run.client.wait_for_bot_messages(SECRETARY.id, count=2)
    assert "M03" in reply["text"]
    assert help_text["text"].startswith("Các lệnh")  # the /help answer, not a second /tiendo answer
    assert await bot_run.client.consume_bot_messages(SECRETARY.id) == []
