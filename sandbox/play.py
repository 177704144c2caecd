"""`make sandbox`: try the bot offline, as a secretary or a supervisor, from the terminal.

Starts the Bot API emulator on 127.0.0.1, a fresh SQLite database with the sample plan, the real bot process
pointed at the emulator, and a terminal chat in which you are already registered through an invite:

    python -m sandbox.play --plan plans/dien-bien-2019.yaml --as secretary   # thư ký Huyện ủy Điện Biên
    python -m sandbox.play --as supervisor --unit TU                         # giám sát toàn tỉnh
    python -m sandbox.play --as admin                                        # quản trị (ADMIN_IDS), giám sát TU
    python -m sandbox.play --unit BTC-TU --now 2026-12-14T09:00:00+07:00     # the current sample plan, live
    printf '/tiendo\\n1\\n' | python -m sandbox.play                           # scripted

The database gets --units (default: plans/units-dien-bien.yaml) and every --plan (default: the 2019 plan and
the current sample plan, plans/dien-bien-2026.yaml); `make sandbox PLAN=my-plan.yaml UNITS=my-units.yaml` picks
others. The bot's clock is frozen at --now (default: a morning in May 2020, in the middle of the 2019 plan), so
statuses look as they did while that plan ran. Nothing reaches Telegram; nothing is kept after exit.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from sandbox.client import EmulatorClient, TgUser
from sandbox.server import EmulatorServer
from sandbox.terminal import run_terminal

SANDBOX_TOKEN = "12345:sandbox-token"
ADMIN_ID = 1000
ROLE_USERS = {"secretary": (1001, "Thư ký"), "supervisor": (1002, "Giám sát"), "admin": (ADMIN_ID, "Quản trị")}
INVITE_LINK = re.compile(r"start=([A-Za-z0-9_-]+)")


class _FirstLines:
    """A text stream that yields some lines before those of another stream (the auto-registration)."""

    def __init__(self, first: list[str], rest: TextIO) -> None:
        self._first = [line + "\n" for line in first]
        self._rest = rest

    def readline(self) -> str:
        return self._first.pop(0) if self._first else self._rest.readline()

    def isatty(self) -> bool:
        return self._rest.isatty()


def _cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"nhacviec {' '.join(args)}: {done.stderr or done.stdout}")
    return done.stdout


def _bot_environment(emulator: EmulatorServer, database_url: str, now: str) -> dict[str, str]:
    return {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": SANDBOX_TOKEN,
        "TELEGRAM_API_BASE_URL": emulator.api_base_url,
        "TELEGRAM_API_FILE_URL": emulator.file_base_url,
        "TELEGRAM_BOT_USERNAME": "nhacviec_bot",
        "DATABASE_URL": database_url,
        "ADMIN_IDS": str(ADMIN_ID),
        "FAKE_NOW": now,
    }


async def play(*, plans: list[Path], units: Path | None, role: str, unit: str, now: str, stdin: TextIO,
               stdout: TextIO) -> int:
    with tempfile.TemporaryDirectory(prefix="nhacviec-sandbox-") as folder:
        database_url = f"sqlite+aiosqlite:///{Path(folder) / 'sandbox.db'}"
        async with EmulatorServer(port=0) as emulator:
            env = _bot_environment(emulator, database_url, now)
            if units is not None:
                _cli(env, "units", "import", str(units))
            for plan in plans:
                _cli(env, "import", str(plan))
            # An admin is one by ADMIN_IDS; the invite makes them a supervisor too, so /tiendo has a subtree.
            link = _cli(env, "invite", unit, "--role", "supervisor" if role == "admin" else role)
            code = INVITE_LINK.search(link)
            if code is None:
                raise SystemExit(f"no invite link in: {link}")
            log_path = Path(folder) / "bot.log"
            log = log_path.open("w")
            # The bot's own log stays out of the chat; it is shown only if the bot dies.
            bot = subprocess.Popen([sys.executable, "-m", "bot", "run"], env=env, stdout=log, stderr=log)
            try:
                user_id, name = ROLE_USERS[role]
                stdout.write(f"— Bot: thời điểm giả lập {now}; bạn là {name} của {unit}.\n")
                lines = _FirstLines([f"/start {code.group(1)}"], stdin)
                async with EmulatorClient(emulator.base_url) as client:
                    return await run_terminal(client, TgUser(user_id, name), lines, stdout)
            finally:
                if bot.poll() is not None:
                    stdout.write(f"— Bot đã dừng (mã {bot.returncode}):\n{log_path.read_text()[-3000:]}\n")
                bot.terminate()
                bot.wait(timeout=15)
                log.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.play", description=__doc__.splitlines()[0])
    parser.add_argument("--plan", type=Path, action="append", help="a plan file (repeatable)")
    parser.add_argument("--units", type=Path, default=Path("plans/units-dien-bien.yaml"), help="a units file")
    parser.add_argument("--as", dest="role", choices=sorted(ROLE_USERS), default="secretary")
    parser.add_argument("--unit", default=None,
                        help="unit code (default HU-DIENBIEN, or TU for a supervisor or an admin)")
    parser.add_argument("--now", default="2020-05-12T09:00:00+07:00", help="the bot's frozen clock (ISO)")
    args = parser.parse_args(argv)
    unit = args.unit or ("HU-DIENBIEN" if args.role == "secretary" else "TU")
    plans = args.plan or [Path("plans/dien-bien-2019.yaml"), Path("plans/dien-bien-2026.yaml")]
    try:
        return asyncio.run(
            play(plans=plans, units=args.units, role=args.role, unit=unit, now=args.now, stdin=sys.stdin,
                 stdout=sys.stdout)
        )
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
