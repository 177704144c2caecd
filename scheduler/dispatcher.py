"""Sends the claimable deliveries: a claimer, a few concurrent senders, and one writer.

* The claimer takes small batches from the outbox just ahead of the senders (a bounded queue), so a crash
  leaves few claimed rows behind — and those are not lost, only delayed until their claim goes stale.
* Senders run concurrently so a chat that must wait its one second does not hold up the others; the Bot's
  rate limiter keeps the overall pace.
* One writer records outcomes as they come, those of a tenth of a second in one transaction: a result is durable
  within moments of the send, which is what bounds duplicates after a crash to the messages in flight.
* Composing (`feed`: the sweep's due reminders into digests, a transaction a step) runs alongside: the first
  digests leave while later ones are still being composed, instead of a morning composing before its first send.
* The database work (claims, rendering, outcomes, renewals) goes through a `Store` (scheduler/store.py): in this
  process, or in one of its own (scheduler/store_process.py), so that this one's CPU goes to the sends.
* Claims are leases on the real clock (`lease_clock`), not on the plan's (`clock`, which FAKE_NOW freezes):
  a renewer re-stamps the rows this process holds every third of the claim timeout, so a live process
  keeps its rows however long a message waits, and a dead one's come back once the timeout has passed.

Cancelling `run` (the process stopping) cancels every task at once; nothing is marked failed for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot

from bot.timeutil import Clock, LeaseClock, SystemClock
from scheduler.delivery import Result, RetryPolicy, SendOutcome, Sleep, send_rendered
from scheduler.outbox import Outgoing
from scheduler.store import Recorded, Store

log = logging.getLogger(__name__)
Feed = Callable[[], Awaitable[bool]]  # one step of composing (one transaction); False once nothing is left


class _Feeding:
    """Runs a `Feed` to its end; the claimer waits on it when it finds nothing."""

    def __init__(self, feed: Feed | None) -> None:
        self._feed = feed
        self.steps = 0  # finished steps: a claim that found nothing tries again once there is a new one
        self.done = feed is None
        self.error: Exception | None = None
        self._stepped = asyncio.Event()

    async def run(self) -> None:
        if self._feed is None:
            return
        try:
            while True:
                more = await self._feed()
                self.steps += 1
                self._stepped.set()
                if not more:
                    break
        except Exception as exc:  # noqa: BLE001  (raised after the round: what was claimed is still sent, recorded)
            self.error = exc
        finally:
            self.done = True
            self._stepped.set()

    async def next_step(self, seen: int) -> None:
        """Returns once a step after the `seen`-th has finished, or feeding has ended."""
        while not self.done and self.steps == seen:
            self._stepped.clear()
            await self._stepped.wait()


@dataclass
class DispatchStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0  # closed without sending: every item confirmed, or the member inactive

    def count(self, outcome: SendOutcome | None) -> None:
        if outcome is None:
            self.skipped += 1
        elif outcome.result is Result.sent:
            self.sent += 1
        elif outcome.result is Result.retry:
            self.retried += 1
        else:
            self.failed += 1


class Dispatcher:
    def __init__(
        self,
        *,
        store: Store,
        bot: Bot,
        clock: Clock,
        concurrency: int = 8,
        claim_timeout: timedelta = timedelta(minutes=5),
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008  (frozen: one shared default is safe)
        sleep: Sleep = asyncio.sleep,
        should_stop: Callable[[], bool] = lambda: False,
        lease_clock: LeaseClock | None = None,
        record_within: float = 0.1,
    ) -> None:
        """`store`: where the database work is done (scheduler/store.py). `record_within`: seconds (real time) an
        outcome may wait for others to be written with it."""
        self._store = store
        self._bot = bot
        self._clock = clock
        self._concurrency = concurrency
        self._claim_timeout = claim_timeout
        self._retry = retry
        self._sleep = sleep
        self._should_stop = should_stop
        self._lease_clock = lease_clock or SystemClock()
        self._rounds = 0
        self._record_within = record_within
        self._batch = concurrency * 16  # deliveries a claim takes: fewer, larger claim transactions and loads

    async def run(self, *, prompt_only: bool = False, feed: Feed | None = None) -> DispatchStats:
        """Sends until nothing is claimable (or a stop is asked); returns what happened. `prompt_only`: only the
        prompt lane (notices, urges, the weekly digest), as outside the reminder window. `feed`: composing that
        runs alongside the first round, which lasts until it has ended (its error is raised after the round).

        Rounds repeat while the last one found work: outcomes can create deliveries (a member blocked the
        bot → a notice to the supervisors), and those leave in the same sweep.
        """
        stats = DispatchStats()
        first = feeding = _Feeding(feed)
        while not self._should_stop() and await self._round(stats, prompt_only, feeding):
            feeding = _Feeding(None)
        if first.error is not None:
            raise first.error
        return stats

    async def _round(self, stats: DispatchStats, prompt_only: bool, feeding: _Feeding) -> int:
        # Room for a whole claim: the claimer fetches the next batch while this one is being sent, so the senders
        # never wait for the database (a queue of `concurrency` ran dry during every claim).
        queue: asyncio.Queue[Outgoing | None] = asyncio.Queue(maxsize=self._batch)
        results: asyncio.Queue[Recorded | None] = asyncio.Queue()
        held: set[int] = set()  # claimed in this round, outcome not yet recorded
        async with asyncio.TaskGroup() as group:
            renewer = group.create_task(self._renew(held))
            writer = group.create_task(self._write(results, stats, held))
            feeder = group.create_task(feeding.run())
            senders = [group.create_task(self._send(queue, results)) for _ in range(self._concurrency)]
            claimed = await self._claim(queue, results, held, prompt_only, feeding)
            for _ in senders:
                await queue.put(None)
            await asyncio.gather(*senders)
            results.put_nowait(None)
            await writer
            await feeder
            renewer.cancel()
        return claimed

    async def _renew(self, held: set[int]) -> None:
        """Keeps this round's claims fresh while it holds them (waiting on the lease clock, not the injected
        `sleep`, which retries use)."""
        interval = max(self._claim_timeout.total_seconds() / 3, 0.1)
        while True:
            await self._lease_clock.sleep(interval)
            if not held:
                continue
            try:
                await self._store.renew(list(held), lease_now=self._lease_clock.now())
            except Exception:  # a busy database: the next renewal tries again, well before the timeout
                log.warning("renewing %s claims failed", len(held), exc_info=True)

    async def _claim(
        self, queue: asyncio.Queue[Outgoing | None], results: asyncio.Queue[Recorded | None], held: set[int],
        prompt_only: bool, feeding: _Feeding,
    ) -> int:
        claimed = 0
        self._rounds += 1
        while not self._should_stop():
            now, lease_now = self._clock.now(), self._lease_clock.now()
            composed = feeding.steps
            ids, outgoing = await self._store.take(
                now=now, lease_now=lease_now, stale_before=lease_now - self._claim_timeout, limit=self._batch,
                prompt_only=prompt_only, round_id=self._rounds,
            )
            if not ids:
                if feeding.done and feeding.steps == composed:
                    return claimed
                await feeding.next_step(composed)  # composing goes on: its next digests are claimable then
                continue
            claimed += len(ids)
            held.update(ids)
            for item in outgoing:
                if item.message is None or item.chat_id is None:
                    results.put_nowait((item, None))
                else:
                    await queue.put(item)
        return claimed

    async def _send(self, queue: asyncio.Queue[Outgoing | None], results: asyncio.Queue[Recorded | None]) -> None:
        while (item := await queue.get()) is not None:
            assert item.message is not None and item.chat_id is not None
            try:
                outcome = await send_rendered(
                    self._bot, chat_id=item.chat_id, message=item.message, policy=self._retry, sleep=self._sleep
                )
            except Exception as exc:  # a bug must not stop the morning's other messages; retried later
                log.exception("sending delivery %s failed unexpectedly", item.delivery_id)
                outcome = SendOutcome(result=Result.retry, chat_id=item.chat_id, error=repr(exc))
            results.put_nowait((item, outcome))

    async def _write(self, results: asyncio.Queue[Recorded | None], stats: DispatchStats, held: set[int]) -> None:
        finished = False
        while not finished:
            batch = await self._gather(results)
            finished = batch[-1] is None  # the round's end: nothing comes after it
            recorded = [entry for entry in batch if entry is not None]
            if not recorded:
                continue
            await self._store.record(recorded, now=self._clock.now(), lease_now=self._lease_clock.now())
            for outgoing, outcome in recorded:
                held.discard(outgoing.delivery_id)
                stats.count(outcome)
                if outcome is not None and outcome.result is not Result.sent:
                    log.warning(
                        "delivery %s to chat %s: %s (%s)",
                        outgoing.delivery_id,
                        outcome.chat_id,
                        outcome.result.value,
                        outcome.error,
                    )

    async def _gather(self, results: asyncio.Queue[Recorded | None]) -> list[Recorded | None]:
        """The next outcomes to write: those that come within `record_within` of the first (at most a claim's
        worth), or up to the round's end. In a morning's wave a transaction then carries ~80 outcomes instead of
        the ~10 that came in while one was written: the database work of a wave takes ~40 % less CPU."""
        batch = [await results.get()]
        loop = asyncio.get_running_loop()
        until = loop.time() + self._record_within
        while batch[-1] is not None and len(batch) < self._batch:
            if not results.empty():
                batch.append(results.get_nowait())
                continue
            left = until - loop.time()
            if left <= 0:
                break
            try:
                async with asyncio.timeout(left):
                    batch.append(await results.get())
            except TimeoutError:
                break
        return batch
