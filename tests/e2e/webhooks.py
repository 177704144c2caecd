"""Webhook mode in e2e tests: free ports, the settings of one webhook process, waiting for its server."""

from __future__ import annotations

import asyncio
import socket

from sandbox import EmulatorClient
from tests.e2e.processes import BotProcess
from tests.waiting import FAILURE_BOUND

SECRET = "e2e-webhook-secret_0123456789"
PATH = "telegram"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def webhook_env(*, port: int, public_url: str, secret: str = SECRET) -> dict[str, str]:
    """A process serving the webhook on 127.0.0.1:`port`, registered at Telegram as `public_url`."""
    return {"WEBHOOK_URL": public_url, "WEBHOOK_LISTEN": "127.0.0.1", "WEBHOOK_PORT": str(port),
            "WEBHOOK_PATH": PATH, "WEBHOOK_SECRET_TOKEN": secret}


async def wait_listening(port: int, *, timeout: float = FAILURE_BOUND) -> None:
    """Until something accepts connections on 127.0.0.1:`port`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if loop.time() > deadline:
                raise AssertionError(f"nothing listens on 127.0.0.1:{port} after {timeout} s") from None
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return


async def wait_for_webhook(client: EmulatorClient, *processes: BotProcess,
                           timeout: float = FAILURE_BOUND) -> dict[str, object]:
    """Until a bot has registered its webhook with the emulator (PTB does it once its server listens)."""
    async def registered() -> dict[str, object] | None:
        for process in processes:
            process.assert_running()
        return await client.webhook()

    return await client.wait_for(registered, timeout=timeout,  # type: ignore[no-any-return]
                                 message="the bot never set its webhook")
