"""Two bot processes behind one webhook URL (a round-robin balancer), on one database: every reminder goes
out exactly once between them, and users' updates are served by whichever process gets them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.models import ReminderDelivery
from sandbox import EmulatorServer
from sandbox.balancer import Balancer
from scheduler.engine import SWEEP_JOB
from tests.e2e.conftest import ADMIN, NOW, SECRETARY, SUPERVISOR, prepare_database
from tests.e2e.processes import BotProcess, Crowd, bot_env, poll_until, seed_crowd, sent_to, until_job_runs
from tests.e2e.webhooks import PATH, free_port, wait_for_webhook, wait_listening, webhook_env
from tests.waiting import FAILURE_BOUND

pytestmark = pytest.mark.asyncio(loop_scope="module")

CROWD = 300  # units, one secretary and one due reminder each: ~5 s of sending at 30 messages/s per process
MARKER = "thử tải"  # in the crowd milestone's title, so only its reminders are counted


@dataclass
class Replicas:
    emu: EmulatorServer
    balancer: Balancer
    processes: list[BotProcess]
    factory: async_sessionmaker[AsyncSession]
    crowd: Crowd


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def replicas(tmp_path_factory: pytest.TempPathFactory, test_databases) -> AsyncIterator[Replicas]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("replicas")
    url = test_databases.new(folder / "bot.db")
    factory, _invites = await prepare_database(url, {"secretary": SECRETARY, "supervisor": SUPERVISOR})
    ports = [free_port(), free_port()]
    async with EmulatorServer(port=0) as emu, Balancer([f"http://127.0.0.1:{p}" for p in ports]) as balancer:
        for user in (SECRETARY, SUPERVISOR):
            await emu.client.open_private_chat(user)
        crowd = await seed_crowd(factory, emu, size=CROWD, due=date(2020, 5, 13))  # its d1 step is due now
        processes = [
            BotProcess(env=bot_env(emu, url, ADMIN_IDS=str(ADMIN.id), FAKE_NOW=NOW.isoformat(),
                                   REMINDER_SWEEP_SECONDS="1",
                                   **webhook_env(port=port, public_url=f"{balancer.url}/{PATH}")),
                       log_path=folder / f"bot-{n}.log")
            for n, port in enumerate(ports)
        ]
        for process in processes:  # both at once: they plan, compose and send concurrently from the start
            process.start()
        try:
            await asyncio.gather(*(wait_listening(port) for port in ports))
            await wait_for_webhook(emu.client, *processes)
            yield Replicas(emu=emu, balancer=balancer, processes=processes, factory=factory, crowd=crowd)
        finally:
            await asyncio.gather(*(process.stop() for process in processes))
            await factory.kw["bind"].dispose()
            test_databases.drop(url)


async def test_users_are_served_through_either_process(replicas: Replicas) -> None:
    client = replicas.emu.client
    for _ in range(4):  # while the morning's reminders are going out
        for user in (SECRETARY, SUPERVISOR):
            await client.consume_bot_messages(user.id)
            await client.send_command(user, "tiendo")
            reply = (await client.wait_for_bot_messages(user.id))[0]
            assert "M16" in reply["text"] or "Điện Biên" in reply["text"]
    assert all(served > 0 for served in replicas.balancer.served.values()), replicas.balancer.served


async def test_every_reminder_goes_out_exactly_once_between_the_two(replicas: Replicas) -> None:
    client, chats = replicas.emu.client, replicas.crowd.chat_ids

    async def all_reached() -> bool:
        for process in replicas.processes:
            process.assert_running()
        return all((await sent_to(client, chats, MARKER)).values())

    await client.wait_for(all_reached, timeout=FAILURE_BOUND, message="some units never got their reminder")

    async def statuses() -> set[str]:
        async with replicas.factory() as session:
            return set((await session.execute(
                select(ReminderDelivery.status).where(ReminderDelivery.chat_id.in_(chats))  # type: ignore[union-attr]
            )).scalars())

    # Every outcome recorded, then three more sweep ticks in each process (however long they take): a duplicate
    # would show now.
    await poll_until(statuses, lambda now: now == {"sent"}, *replicas.processes, timeout=FAILURE_BOUND,
                     what="every delivery recorded sent", every=0.1)
    await asyncio.gather(*(until_job_runs(process.log, SWEEP_JOB, 3, process) for process in replicas.processes))
    counts = await sent_to(client, chats, MARKER)
    assert [chat for chat, count in counts.items() if count != 1] == []  # no gap, no duplicate
    async with replicas.factory() as session:
        workers = set((await session.execute(
            select(ReminderDelivery.claimed_by).where(ReminderDelivery.chat_id.in_(chats))  # type: ignore[union-attr]
        )).scalars())
    assert await statuses() == {"sent"}
    pids = {worker.split(":")[1] for worker in workers if worker}
    assert pids == {str(p.process.pid) for p in replicas.processes if p.process}  # both took a share
