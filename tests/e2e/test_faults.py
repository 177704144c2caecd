"""The Bot API misbehaves while the real bot process sends a crowd's reminders: 429s with retry_after, 500s, and
requests that hang past the bot's read timeout — some before Telegram handles them (nothing was delivered),
some after (delivered, but the answer never comes back, so the bot cannot know: its retry repeats it).
Meanwhile a secretary keeps asking /tiendo. Nothing is lost, nothing fails for good, the only repeats are
the messages whose answer hung after delivery, and every /tiendo is answered, the first while the reminders are
still going out (an order, not a number of seconds: how long it takes depends on the machine).

Faults hit every sendMessage, replies included: reminders are retried by their delivery (a few quick tries,
then again later on the real clock), replies by the rate limiter (a 429 after its retry_after, a 5xx or a
timeout after a short backoff). The faults' seeds are printed; FAULT_SEED=<seed> replays the same draws.

Every other kind of message the bot sends on its own goes through the same outbox meanwhile
(tests/e2e/outbox_world.py: the weekly digest, urges, notices): none is lost, none fails for good, and only those
whose answer hung after delivery are repeated.
"""

from __future__ import annotations

import os
import random
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.models import ReminderDelivery
from bot.settings import Settings
from sandbox import EmulatorClient, TgUser
from scheduler.failures import list_failures
from tests.e2e.outbox_world import lost_and_repeated, outbox_counts, outbox_marker, queue_every_kind, settled
from tests.e2e.processes import (
    BotProcess,
    bot_env,
    crowd_world,
    delivery_counts,
    poll_until,
    sent_to,
    summary,
    wait_for_menu,
)
from tests.waiting import FAILURE_BOUND

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
DUE = date(2020, 5, 13)  # the d1 step fired at 08:00 today: one catch-up digest per unit at start
CROWD = 200
MARKER = "🔔"  # the reminder's header (replies to commands have none)
READ_TIMEOUT = 5.0  # python-telegram-bot's default HTTP read timeout, which the bot keeps
HANG = 12 * READ_TIMEOUT  # a hung answer would come long after the bot gave up on it, however busy the machine
FAULTS = (  # checked in this order on every sendMessage; each draws from its own seeded generator
    {"kind": "429", "probability": 0.05, "retry_after": 1},  # pauses every send of the bot for 1 s
    {"kind": "500", "probability": 0.10},
    {"kind": "hang", "probability": 0.04, "delay": HANG},  # before processing: nothing delivered
    {"kind": "hang", "probability": 0.02, "delay": HANG, "after_processing": True},  # delivered, answer lost
)
QUESTIONS = 5  # /tiendo asked this many times while the reminders go out


async def test_nothing_is_lost_and_tiendo_is_answered_while_the_bot_api_fails(
    tmp_path: Path, test_databases: Any
) -> None:
    seed = int(os.environ.get("FAULT_SEED") or random.SystemRandom().randrange(1_000_000))
    print(f"\nfaults: seed {seed} (FAULT_SEED={seed} replays the draws), rules {FAULTS}")
    async with crowd_world(test_databases, tmp_path, size=CROWD, due=DUE) as world:
        emu, factory, crowd, url = world.emu, world.factory, world.crowd, world.url
        client = emu.client
        for n, rule in enumerate(FAULTS):
            await client.add_fault(methods="sendMessage", seed=seed + n, **rule)  # type: ignore[arg-type]
        env = bot_env(emu, url, FAKE_NOW=NOW.isoformat(), REMINDER_SWEEP_SECONDS="1")
        queued = await queue_every_kind(factory, client, crowd, now=NOW,
                                        settings=Settings(_env_file=None, database_url=url))  # type: ignore[call-arg]
        bot = BotProcess(env=env, log_path=tmp_path / "bot.log").start()
        started = time.monotonic()
        try:
            await wait_for_menu(client, bot)
            await poll_until(lambda: delivery_counts(factory), lambda rows: rows.get("sent", 0) > 0, bot,
                             timeout=FAILURE_BOUND, what="the first reminder sent")
            asker = TgUser(crowd.chat_ids[-1], "Thư ký hỏi tiến độ")
            latencies = []
            last_seq = 0
            for question in range(QUESTIONS):
                bot.assert_running()
                latency, last_seq = await ask_progress(client, asker, after=last_seq)
                latencies.append(round(latency, 2))
                if question == 0:
                    rows_at_first = await outbox_counts(factory)
            rows_at_last = await outbox_counts(factory)
            await poll_until(lambda: outbox_counts(factory), lambda rows: settled(rows, crowd=CROWD, queued=queued),
                             bot, timeout=150, what="every reminder sent, every other message settled", every=0.1)
            finished = time.monotonic() - started
        finally:
            await bot.stop()
        counts = await sent_to(client, crowd.chat_ids, MARKER)
        calls = await client.calls("sendMessage")
        rules = await client.faults()
        async with factory() as session:
            failures = await list_failures(session)
            # Claimed more than once: its quick tries all failed, and it was sent again later.
            later = await session.scalar(select(func.count()).where(ReminderDelivery.attempts > 1))
        rows = await delivery_counts(factory)
        lost, repeated = await lost_and_repeated(factory, calls)

    reminders = [call for call in calls if MARKER in str(call["params"].get("text", ""))]
    own_hung = sum(1 for call in calls if outbox_marker(call) and call["fault"] == "hang" and call["ok"])
    delivered_then_hung = sum(1 for call in reminders if call["fault"] == "hang" and call["ok"])
    faults = {kind: sum(1 for call in reminders if call["fault"] == kind) for kind in ("429", "500", "hang")}
    duplicates = sum(count - 1 for count in counts.values() if count > 1)
    print(f"faults: {CROWD} reminders in {finished:.1f}s over {len(reminders)} sendMessage tries; faults on "
          f"reminders {faults} ({delivered_then_hung} delivered then hung); rule hits "
          f"{[(rule['kind'], rule['after_processing'], rule['hits']) for rule in rules]}")
    print(f"faults: {later} reminders sent again later, after their quick tries failed; "
          f"duplicates {duplicates}; messages per chat {summary(counts)['by_count']}; /tiendo answered in "
          f"{latencies} s (deliveries at the first answer {rows_at_first}, at the last {rows_at_last}); rows {rows}")
    assert not [chat for chat, count in counts.items() if count == 0], "a secretary got no reminder"
    assert duplicates <= delivered_then_hung
    assert failures == [] and set(rows) == {"sent", "cancelled"}  # the cancelled: no longer true (outbox_world)
    assert lost == [] and repeated <= own_hung  # every kind of message: none lost, repeated only if it hung
    # /tiendo was served while the reminders were going out
    assert rows_at_first.get(("reminder", "sent"), 0) < CROWD
    assert sum(rule["hits"] for rule in rules) > 0


def is_reply(call: dict[str, Any], chat_id: int) -> bool:
    return call["chat_id"] == chat_id and call["ok"] and MARKER not in str(call["params"].get("text", ""))


async def ask_progress(client: EmulatorClient, user: TgUser, *, after: int) -> tuple[float, int]:
    """Sends /tiendo and waits for the reply; returns how long it took (until Telegram had it) and the call log
    position after it, past a repeat of it if its answer hung (the bot then retries and shows it twice)."""
    asked = time.time()
    await client.send_command(user, "tiendo")

    async def reply_after(seq: int) -> dict[str, Any] | None:
        return next((call for call in await client.calls("sendMessage", after=seq) if is_reply(call, user.id)), None)

    answer = await client.wait_for(lambda: reply_after(after), timeout=FAILURE_BOUND,
                                   message="/tiendo got no answer")
    assert "M90" in answer["params"]["text"], answer["params"]["text"]
    last = answer["seq"]
    if answer["fault"] == "hang":  # shown, but its answer never reached the bot: a second copy is coming
        last = (await client.wait_for(lambda: reply_after(answer["seq"]), timeout=FAILURE_BOUND,
                                      message="the hung reply was not retried"))["seq"]
    return answer["time"] - asked, last
