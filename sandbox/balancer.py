"""A round-robin reverse proxy: one webhook URL in front of several bot processes, as nginx or a cloud load
balancer would be in production.

    async with Balancer(["http://127.0.0.1:8001", "http://127.0.0.1:8002"]) as balancer:
        ... setWebhook(url=balancer.url + "/telegram") ...

Each request goes to the next backend in turn, path, body and headers unchanged (the secret-token header
included); a backend that refuses the connection is skipped for that request, like a health-checked pool.
`served` counts the requests each backend answered.
"""

from __future__ import annotations

import itertools
from types import TracebackType

import aiohttp
from aiohttp import web

HOP_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


class Balancer:
    def __init__(self, backends: list[str], *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.backends = [backend.rstrip("/") for backend in backends]
        self.host = host
        self.port = port
        self.served: dict[str, int] = dict.fromkeys(self.backends, 0)
        self._turn = itertools.cycle(range(len(self.backends)))
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
        first = next(self._turn)
        for offset in range(len(self.backends)):
            backend = self.backends[(first + offset) % len(self.backends)]
            try:
                async with self._session.request(request.method, backend + request.path_qs, data=body,
                                                 headers=headers) as answer:
                    content = await answer.read()
                    self.served[backend] += 1
                    return web.Response(body=content, status=answer.status,
                                        content_type=answer.content_type if content else None)
            except aiohttp.ClientConnectionError:
                continue  # that process is down: the next one takes the request
        return web.Response(status=502, text="no backend answered")

    async def start(self) -> Balancer:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> Balancer:
        return await self.start()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()
