"""No log line carries the bot token or the webhook secret: the masking filter on its own (message, arguments,
traceback), and as configure_logging installs it for every logger of a real process."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.redaction import MASK, Redactor, install, secrets_of
from bot.settings import PROJECT_ROOT

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET_PART = TOKEN.split(":", 1)[1]
WEBHOOK_SECRET = "hook_Secret-0123456789"


@pytest.fixture
def logged() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private logger tree ('app', with children like 'app.httpx') whose one handler has the filter."""
    out = io.StringIO()
    parent = logging.getLogger("redaction-test")
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    parent.addHandler(handler)
    parent.setLevel(logging.DEBUG)
    parent.propagate = False
    install(Redactor(secrets_of(TOKEN, WEBHOOK_SECRET)), parent)
    try:
        yield parent, out
    finally:
        parent.removeHandler(handler)


def assert_no_secret(text: str) -> None:
    for secret in (TOKEN, SECRET_PART, WEBHOOK_SECRET):
        assert secret not in text, text


def test_message_and_arguments_are_masked_in_every_child_logger(logged) -> None:  # type: ignore[no-untyped-def]
    parent, out = logged
    parent.getChild("telegram.ext.ExtBot").debug("Set Bot API URL: https://api.telegram.org/bot" + TOKEN)
    parent.getChild("httpx").info('HTTP Request: %s %s "%s"', "POST",
                                  f"https://api.telegram.org/bot{TOKEN}/getUpdates", "HTTP/1.1 200 OK")
    parent.getChild("telegram.ext.ExtBot").debug("Calling Bot API endpoint `%s` with parameters `%s`", "setWebhook",
                                                 {"url": "https://x.example/telegram", "secret_token": WEBHOOK_SECRET})
    parent.getChild("apscheduler").info("%(job)s at %(url)s", {"job": "sweep", "url": f"bot{TOKEN}"})
    text = out.getvalue()
    assert_no_secret(text)
    # The id stays (it names the bot), the rest of each line too.
    assert "https://api.telegram.org/bot123456789:***/getUpdates" in text
    assert "'secret_token': '***'" in text
    assert "sweep at bot123456789:***" in text


def test_percent_encoded_and_split_forms_are_masked(logged) -> None:  # type: ignore[no-untyped-def]
    parent, out = logged
    encoded = TOKEN.replace(":", "%3A")
    parent.warning("url=%s lower=%s alone=%s", encoded, TOKEN.replace(":", "%3a"), SECRET_PART)
    parent.warning("every character encoded: %s", "".join(f"%{ord(c):02x}" for c in WEBHOOK_SECRET))
    text = out.getvalue()
    assert_no_secret(text)
    assert f"url=123456789%3A{MASK} lower=123456789%3a{MASK} alone={MASK}" in text
    assert f"every character encoded: {MASK}" in text


def test_tracebacks_are_masked_with_their_causes(logged) -> None:  # type: ignore[no-untyped-def]
    parent, out = logged
    try:
        try:
            raise ConnectionError(f"POST https://api.telegram.org/bot{TOKEN}/getMe failed")
        except ConnectionError as cause:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.") from cause
    except RuntimeError:
        parent.exception("startup failed")
    text = out.getvalue()
    assert_no_secret(text)
    assert "Traceback" in text and f"The token `123456789:{MASK}` was rejected" in text
    assert f"bot123456789:{MASK}/getMe failed" in text  # the chained cause too


def test_nothing_to_mask_leaves_records_alone() -> None:
    assert Redactor(secrets_of(None, None))("bot123:abc %s") == "bot123:abc %s"


def test_configure_logging_masks_every_logger_of_the_process_and_uncaught_exceptions() -> None:
    """A real process: LOG_LEVEL=DEBUG, records from telegram, httpx, apscheduler and the root logger, then an
    exception nobody catches."""
    script = f"""
import logging
from bot.logs import configure_logging
from bot.settings import Settings
configure_logging(Settings(_env_file=None, telegram_bot_token={TOKEN!r}, webhook_secret_token={WEBHOOK_SECRET!r},
                           log_level="DEBUG"))
logging.getLogger("telegram.ext.ExtBot").debug("Set Bot API URL: http://127.0.0.1/bot{TOKEN}")
logging.getLogger("httpx").info("HTTP Request: POST http://127.0.0.1/bot%s/getMe", {TOKEN!r})
logging.getLogger("apscheduler.scheduler").info("secret %s", {WEBHOOK_SECRET!r})
logging.getLogger().warning("root {TOKEN.replace(':', '%3A')}")
raise RuntimeError("The token `{TOKEN}` was rejected by the server.")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert_no_secret(output)
    assert f"Set Bot API URL: http://127.0.0.1/bot123456789:{MASK}" in output
    assert f"HTTP Request: POST http://127.0.0.1/bot123456789:{MASK}/getMe" in output  # httpx is heard at DEBUG
    assert f"secret {MASK}" in output and f"root 123456789%3A{MASK}" in output
    assert "CRITICAL" in output and f"RuntimeError: The token `123456789:{MASK}` was rejected" in output
