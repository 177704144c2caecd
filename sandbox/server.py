"""The HTTP side: Bot API routes, file downloads, and ``EmulatorServer`` for tests and CLI."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox.client import EmulatorClient
from sandbox.control import add_control_routes
from sandbox.core import EMULATOR, Emulator
from sandbox.errors import ApiError, not_found
from sandbox.params import Params, read_params
from sandbox.state import EmulatorState
from sandbox.webhook import WebhookPusher

MAX_UPLOAD = 52 * 1024 * 1024  # Telegram accepts 50 MB documents from bots
LOGGER = logging.getLogger("sandbox")


def _json(body: Any, status: int = 200) -> web.Response:
    return web.json_response(
        body, status=status, dumps=lambda data: json.dumps(data, ensure_ascii=False)
    )


def _chat_id(params: Params) -> int | str | None:
    """The target chat as a number (form fields are strings), for per-chat assertions."""
    value = params.values.get("chat_id")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return str(value)


async def bot_api(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    method = request.match_info["method"]
    entry: dict[str, Any] = {"time": time.time(), "method": method, "params": {},
                             "chat_id": None, "fault": None}
    post_delay = 0.0
    try:
        emulator.check_token(request.match_info["token"])
        params = await read_params(request)
        entry["params"] = params.loggable()
        entry["chat_id"] = _chat_id(params)
        result, post_delay = await emulator.dispatch(method, params, entry)
        body, status = {"ok": True, "result": result}, 200
    except asyncio.CancelledError:
        # The bot gave up (timeout, shutdown): keep a trace of the unanswered call.
        entry.update(status=499, ok=False, description="client closed the connection",
                     duration=time.time() - entry["time"])
        emulator.state.log_call(entry)
        raise
    except ApiError as error:
        body, status = error.payload(), error.code
        if status == 429:
            emulator.state.counters["429"] += 1
    except Exception as error:  # an emulator bug: answer like Telegram's 500, keep the cause
        LOGGER.exception("emulator failed on %s", method)
        body, status = {"ok": False, "error_code": 500, "description": "Internal Server Error"}, 500
        entry["error"] = repr(error)
    entry.update(status=status, ok=status == 200, description=body.get("description"),
                 duration=time.time() - entry["time"])
    emulator.state.log_call(entry)
    if post_delay:
        await asyncio.sleep(post_delay)
    return _json(body, status)


async def file_download(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    try:
        emulator.check_token(request.match_info["token"])
    except ApiError as error:
        return _json(error.payload(), error.code)
    stored = emulator.state.files.by_path.get(request.match_info["path"])
    if stored is None:
        return _json(not_found().payload(), 404)
    return web.Response(body=stored.content,
                        content_type=stored.mime_type or "application/octet-stream")


def build_app(emulator: Emulator) -> web.Application:
    app = web.Application(client_max_size=MAX_UPLOAD)
    app[EMULATOR] = emulator
    app.router.add_route("*", "/bot{token}/{method}", bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", file_download)
    add_control_routes(app)
    return app


class EmulatorServer:
    """Runs the emulator on the current event loop::

        async with EmulatorServer(port=0) as emu:
            app = ApplicationBuilder().token("12345:sandbox-token") \\
                .base_url(emu.api_base_url).base_file_url(emu.file_base_url).build()
            await emu.client.send_text(1001, "/start")
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, token: str | None = None,
                 bot_username: str = "nhacviec_bot", bot_first_name: str = "Nhắc việc") -> None:
        self.host = host
        self.port = port
        self.emulator = Emulator(token=token, bot_username=bot_username,
                                 bot_first_name=bot_first_name)
        self._runner: web.AppRunner | None = None
        self._client: EmulatorClient | None = None
        self._pusher: WebhookPusher | None = None

    @property
    def state(self) -> EmulatorState:
        return self.emulator.state

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``."""
        return f"{self.base_url}/bot"

    @property
    def file_base_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.base_url}/file/bot"

    @property
    def client(self) -> EmulatorClient:
        """An ``EmulatorClient`` bound to this server (created on start)."""
        if self._client is None:
            raise RuntimeError("EmulatorServer is not started")
        return self._client

    async def start(self) -> EmulatorServer:
        self.state.closing = False
        runner = web.AppRunner(build_app(self.emulator), handler_cancellation=True,
                               access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        self.port = runner.addresses[0][1]
        self._client = EmulatorClient(self.base_url)
        self._pusher = WebhookPusher(self.state)
        self._pusher.start()
        return self

    async def stop(self) -> None:
        self.state.closing = True
        self.state.updates_signal.fire()
        if self._pusher is not None:
            await self._pusher.stop()
            self._pusher = None
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> EmulatorServer:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.stop()
