"""The emulator's webhook side and the round-robin balancer, against small aiohttp receivers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiohttp import web

from sandbox import EmulatorServer, TgUser
from sandbox.balancer import Balancer
from tests.waiting import FAILURE_BOUND

TOKEN = "12345:sandbox-token"
LAN = TgUser(1001, "Lan")
HUNG = TgUser(1002, "Hùng")


class Receiver:
    """A webhook endpoint that records what it got and answers `status` (changeable)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.got: list[tuple[dict[str, Any], str | None]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((await request.json(), request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(status=self.status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    def texts(self) -> list[str]:
        return [update["message"]["text"] for update, _secret in self.got]


@pytest.fixture
async def emu() -> AsyncIterator[EmulatorServer]:
    async with EmulatorServer(port=0) as server:
        yield server


async def call(emu: EmulatorServer, method: str, **params: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=FAILURE_BOUND) as http:
        return (await http.post(f"{emu.api_base_url}{TOKEN}/{method}", json=params)).json()  # type: ignore[no-any-return]


async def test_updates_are_pushed_with_the_secret_in_order_and_polling_is_refused(emu: EmulatorServer) -> None:
    async with Receiver() as receiver:
        assert (await call(emu, "setWebhook", url=receiver.url + "/hook", secret_token="s3cret_-"))["ok"]
        for text in ("/start", "/tiendo", "/help"):
            await emu.client.send_text(LAN, text)
        await emu.client.send_text(HUNG, "/tiendo")
        await emu.client.wait_for(lambda: len(receiver.got) == 4, message="updates not pushed")
        assert {secret for _update, secret in receiver.got} == {"s3cret_-"}
        assert [t for (u, _s), t in zip(receiver.got, receiver.texts(), strict=True)
                if u["message"]["chat"]["id"] == LAN.id] == ["/start", "/tiendo", "/help"]
        polled = await call(emu, "getUpdates")
        assert polled["error_code"] == 409 and "webhook is active" in polled["description"]
        info = (await call(emu, "getWebhookInfo"))["result"]
        assert info["url"] == receiver.url + "/hook" and info["pending_update_count"] == 0
        assert (await call(emu, "deleteWebhook"))["ok"]
        await emu.client.send_text(LAN, "/start")
        assert [u["message"]["text"] for u in (await call(emu, "getUpdates"))["result"]] == ["/start"]


async def test_a_refused_update_is_kept_and_retried(emu: EmulatorServer) -> None:
    async with Receiver(status=500) as receiver:
        await call(emu, "setWebhook", url=receiver.url + "/hook")
        await emu.client.send_text(LAN, "/tiendo")
        await emu.client.wait_for(lambda: len(receiver.got) >= 2, message="no retry")
        info = await emu.client.webhook()
        assert info is not None and info["pending_update_count"] == 1 and "500" in info["last_error_message"]
        receiver.status = 200
        await emu.client.wait_for(lambda: not emu.state.updates, message="never delivered")
        assert set(receiver.texts()) == {"/tiendo"}
        assert (await emu.client.webhook())["delivered"] == 1  # type: ignore[index]


@pytest.mark.parametrize("url", ["https://example.com/hook", "http://10.0.0.5/hook", "ftp://127.0.0.1/x", ""])
async def test_only_loopback_webhooks_are_accepted(emu: EmulatorServer, url: str) -> None:
    answer = await call(emu, "setWebhook", url=url)
    if url == "":
        assert answer["ok"] and await emu.client.webhook() is None  # an empty URL removes the webhook
    else:
        assert answer["error_code"] == 400 and "bad webhook" in answer["description"]
    bad_secret = await call(emu, "setWebhook", url="http://127.0.0.1:9/hook", secret_token="có dấu")
    assert bad_secret["error_code"] == 400


async def test_the_balancer_takes_turns_and_skips_a_dead_backend() -> None:
    async with Receiver() as first, Receiver() as second:
        dead = "http://127.0.0.1:9"  # the discard port: nothing listens there
        async with Balancer([first.url, dead, second.url]) as balancer, httpx.AsyncClient() as http:
            for n in range(6):
                answer = await http.post(balancer.url + "/hook", json={"message": {"text": str(n)}},
                                         headers={"X-Telegram-Bot-Api-Secret-Token": "abc"})
                assert answer.status_code == 200
        assert len(first.got) + len(second.got) == 6 and first.got and second.got
        assert {secret for _update, secret in first.got + second.got} == {"abc"}
        assert balancer.served[dead] == 0
