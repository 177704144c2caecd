"""`kill -9` the real bot process three times while 2,000 reminders go out; each restart picks up where the
dead one left off. At the end every secretary got the reminder, and a message was repeated only if it was in
flight at a kill: claimed by the killed process and not yet recorded (its row still says `sending`).

Every other kind of message the bot sends on its own is in the outbox too (tests/e2e/outbox_world.py: the weekly
digest, urges, the notices of confirmations, acceptances, returns and requests for more time): none is lost either,
and those no longer true when their turn came are cancelled, not sent.

The bot's clock is frozen (FAKE_NOW); claims are leases on the real clock, so a dead process's claims come
back after REMINDER_CLAIM_TIMEOUT_SECONDS. The kill moments are random: the seed is printed, and
CRASH_SEED=<seed> replays the same thresholds (the timing of the processes themselves still varies).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import ReminderDelivery
from bot.settings import Settings
from tests.e2e.outbox_world import lost_and_repeated, outbox_counts, queue_every_kind, settled
from tests.e2e.processes import BotProcess, bot_env, crowd_world, delivery_counts, poll_until, sent_to, summary
from tests.waiting import FAILURE_BOUND

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
DUE = date(2020, 5, 13)  # the d1 step fired at 08:00 today: one catch-up digest per unit at start
CROWD = 2000
KILLS = 3
# Seconds: a dead process's claims come back this long after it last stamped them. The live process renews its own
# every third of it, so only a renewal later by two thirds of it (a very busy machine) could let its own claimer
# take a row it is still sending: long enough that no machine is that slow.
CLAIM_TIMEOUT = 15
MARKER = "🔔"  # the reminder's header (replies to commands have none)


async def test_kill_9_three_times_while_2000_reminders_go_out(tmp_path: Path, test_databases: Any) -> None:
    seed = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1_000_000))
    rng = random.Random(seed)
    # Where each kill falls: after a random number of sends, increasing, never the whole crowd.
    thresholds = sorted(rng.sample(range(50, CROWD - 150), KILLS))
    print(f"\ncrash recovery: seed {seed} (CRASH_SEED={seed} replays), kills after ~{thresholds} sent")

    async with crowd_world(test_databases, tmp_path, size=CROWD, due=DUE) as world:
        factory = world.factory
        env = bot_env(world.emu, world.url, FAKE_NOW=NOW.isoformat(), REMINDER_SWEEP_SECONDS="1",
                      REMINDER_CLAIM_TIMEOUT_SECONDS=str(CLAIM_TIMEOUT), TELEGRAM_MESSAGES_PER_SECOND="1000")
        queued = await queue_every_kind(factory, world.emu.client, world.crowd, now=NOW,
                                        settings=Settings(_env_file=None, database_url=world.url))  # type: ignore[call-arg]
        log_path = tmp_path / "bot.log"
        started = time.monotonic()
        in_flight: list[int] = []
        dead_workers: set[str] = set()
        sent_at_kill = 0
        for kill, threshold in enumerate(thresholds, start=1):
            bot = BotProcess(env=env, log_path=log_path).start()
            target = max(threshold, sent_at_kill + 1)  # this process sends at least one before it dies
            sent_at_kill = await poll_until(lambda: sent_count(factory),
                                            lambda sent, target=target: sent >= target, bot, timeout=FAILURE_BOUND,
                                            what=f"{target} reminders sent before kill {kill}")
            await asyncio.sleep(rng.uniform(0, 0.05))
            bot.kill()
            claims = await claims_in_flight(factory, exclude=dead_workers)
            assert len(claims) <= 1, f"claims of several live workers: {claims}"
            dead_workers.update(claims)
            in_flight.append(sum(claims.values()))
            counts = await delivery_counts(factory)
            print(f"kill {kill} (-9) at {time.monotonic() - started:.1f}s: {counts.get('sent', 0)} recorded sent, "
                  f"{in_flight[-1]} in flight (claimed by the killed process, unrecorded), rows {counts}")

        last = BotProcess(env=env, log_path=log_path).start()
        try:
            await poll_until(lambda: outbox_counts(factory),
                             lambda counts: settled(counts, crowd=CROWD, queued=queued), last,
                             timeout=FAILURE_BOUND, what=f"all {CROWD} reminders and every other message settled",
                             every=0.1)
        finally:
            await last.stop()
        finished = time.monotonic() - started
        counts = await sent_to(world.emu.client, world.crowd.chat_ids, MARKER)
        lost, repeated = await lost_and_repeated(factory, await world.emu.client.calls("sendMessage"))

    duplicates = sum(count - 1 for count in counts.values() if count > 1)
    print(f"crash recovery: {CROWD} reminders, {KILLS} kills in {finished:.1f}s; in flight at each kill {in_flight} "
          f"(total {sum(in_flight)}); duplicates {duplicates}; messages per chat {summary(counts)['by_count']}")
    missing = [chat for chat, count in counts.items() if count == 0]
    assert not missing, f"{len(missing)} secretaries got no reminder, e.g. {missing[:5]}"
    assert duplicates <= sum(in_flight), f"{duplicates} repeated, but only {in_flight} were in flight at the kills"
    assert lost == [], f"sent according to the database, never received: {lost[:5]}"  # any kind of message
    assert repeated <= sum(in_flight), f"{repeated} messages repeated, but only {in_flight} were in flight"


async def sent_count(factory: async_sessionmaker[AsyncSession]) -> int:
    return (await delivery_counts(factory)).get("sent", 0)


async def claims_in_flight(factory: async_sessionmaker[AsyncSession], *, exclude: set[str]) -> dict[str, int]:
    """Rows still `sending`, by worker, but for those of workers killed earlier (counted at their own kill)."""
    async with factory() as session:
        rows = await session.execute(
            select(ReminderDelivery.claimed_by, func.count())
            .where(ReminderDelivery.status == "sending")
            .group_by(ReminderDelivery.claimed_by)
        )
        return {worker: count for worker, count in rows.all() if worker not in exclude}
