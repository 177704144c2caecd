"""Standalone emulator: ``python -m sandbox.emulator --host 127.0.0.1 --port 8081``.

Prints the URL it listens on (one line), then serves until SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from sandbox.client import EmulatorClient, TgUser, group
from sandbox.server import EmulatorServer

__all__ = ["EmulatorClient", "EmulatorServer", "TgUser", "group", "main", "serve"]


async def serve(host: str, port: int, token: str | None, bot_username: str,
                bot_first_name: str) -> None:
    """Run an emulator until SIGINT/SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with EmulatorServer(host, port, token=token, bot_username=bot_username,
                              bot_first_name=bot_first_name) as server:
        print(server.base_url, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.emulator",
                                     description="Telegram Bot API emulator (offline).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default=None,
                        help="accept only this bot token (others get 401); default: any")
    parser.add_argument("--bot-username", default="nhacviec_bot")
    parser.add_argument("--bot-name", default="Nhắc việc")
    args = parser.parse_args(argv)
    try:
        asyncio.run(serve(args.host, args.port, args.token, args.bot_username, args.bot_name))
    except OSError as exc:
        print(f"emulator: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
