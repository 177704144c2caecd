"""Confirm, undo, accept, return: state changes, events, cancelled reminders, refusals that change nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.access import load_access
from bot.confirmations import Outcome, accept_assignment, confirm_assignment, return_assignment, undo_confirmation
from bot.models import AssignmentState, Event, Reminder, Role
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler import assignments_changed
from tests.bot.services_fixtures import assignment_of, import_sample, member_with


async def _events(session, assignment_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    statement = select(Event.kind).where(Event.assignment_id == assignment_id).order_by(Event.id)
    return list((await session.execute(statement)).scalars().all())


async def test_confirm_cancels_reminders_twice_is_already_and_undo(session_factory, clock: FixedClock,
                                                                   settings: Settings) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        item = await assignment_of(session, "HU-DIENBIEN", "M17")
        session.add(Reminder(assignment_id=item.id, step="d7:2020-06-15", fire_at=clock.now(), status="pending"))
        session.add(Reminder(assignment_id=item.id, step="d3:2020-06-15", fire_at=clock.now(), status="sent"))
        await session.flush()

        result = await confirm_assignment(session=session, actor=secretary, assignment_id=item.id, now=clock.now(),
                                          note="xong", file_id="FILE1")
        assert result.outcome == Outcome.done and item.state == AssignmentState.done
        assert item.confirmed_at == clock.now() and item.evidence_file_id == "FILE1"
        # The reminders are the engine's: the caller tells it the assignment changed, in the same transaction.
        await assignments_changed(session, assignment_ids=[item.id], settings=settings, clock=clock)
        statuses = (await session.execute(select(Reminder.step, Reminder.status).order_by(Reminder.step))).all()
        assert [tuple(s) for s in statuses] == [("d3:2020-06-15", "sent"), ("d7:2020-06-15", "cancelled")]
        event = (await session.execute(select(Event).where(Event.kind == "confirm"))).scalars().one()
        assert event.file_id == "FILE1" and event.actor_member_id == secretary.member.id

        again = await confirm_assignment(session=session, actor=secretary, assignment_id=item.id, now=clock.now())
        assert again.outcome == Outcome.already

        clock.advance(timedelta(minutes=5))
        undone = await undo_confirmation(session=session, actor=secretary, assignment_id=item.id, now=clock.now(),
                                         undo_minutes=10)
        assert undone.outcome == Outcome.undone and item.state == AssignmentState.open and item.confirmed_at is None
        assert await _events(session, item.id) == ["confirm", "undo"]


async def test_undo_window_closes(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        item = await assignment_of(session, "HU-DIENBIEN", "M17")
        await confirm_assignment(session=session, actor=secretary, assignment_id=item.id, now=clock.now())
        late = clock.now() + timedelta(minutes=11)
        result = await undo_confirmation(session=session, actor=secretary, assignment_id=item.id, now=late,
                                         undo_minutes=10)
        assert result.outcome == Outcome.too_late and item.state == AssignmentState.done


async def test_other_units_cannot_confirm_and_nothing_changes(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        other = await member_with(session, 1, clock.now(), ("HU-TUANGIAO", Role.secretary))
        child_secretary = await member_with(session, 2, clock.now(), ("DUX-THANHXUONG", Role.secretary))
        item = await assignment_of(session, "HU-DIENBIEN", "M17")
        for actor in (other, child_secretary):
            result = await confirm_assignment(session=session, actor=actor, assignment_id=item.id, now=clock.now())
            assert result.outcome == Outcome.not_found
        assert (await confirm_assignment(session=session, actor=other, assignment_id=999999,
                                         now=clock.now())).outcome == Outcome.not_found
        assert item.state == AssignmentState.open and await _events(session, item.id) == []


async def test_two_step_report_accept_and_return(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        supervisor = await member_with(session, 2, clock.now(), ("TU", Role.supervisor))
        m16 = await assignment_of(session, "HU-DIENBIEN", "M16")  # requires acceptance

        reported = await confirm_assignment(session=session, actor=secretary, assignment_id=m16.id, now=clock.now())
        assert reported.outcome == Outcome.reported and m16.state == AssignmentState.reported
        assert (await accept_assignment(session=session, actor=secretary, assignment_id=m16.id,
                                        now=clock.now())).outcome == Outcome.not_allowed
        returned = await return_assignment(session=session, actor=supervisor, assignment_id=m16.id, now=clock.now(),
                                           reason="thiếu biên bản")
        assert returned.outcome == Outcome.returned and m16.state == AssignmentState.open

        await confirm_assignment(session=session, actor=secretary, assignment_id=m16.id, now=clock.now())
        accepted = await accept_assignment(session=session, actor=supervisor, assignment_id=m16.id, now=clock.now())
        assert accepted.outcome == Outcome.accepted and m16.state == AssignmentState.done
        assert (await undo_confirmation(session=session, actor=secretary, assignment_id=m16.id, now=clock.now(),
                                        undo_minutes=10)).outcome == Outcome.too_late
        assert await _events(session, m16.id) == ["confirm", "return", "confirm", "accept"]
        details = (await session.execute(select(Event.details).where(Event.kind == "return"))).scalars().one()
        assert "thiếu biên bản" in details


async def test_two_presses_in_two_processes_confirm_once(session_factory, clock: FixedClock) -> None:
    # Two secretaries of one unit press ✅ at once and two bot processes (webhook replicas) take one each: the
    # later one read the item as open just before the first confirmation committed.
    async with session_factory() as session:
        await import_sample(session, clock.now())
        await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        await member_with(session, 2, clock.now(), ("HU-DIENBIEN", Role.secretary))
        await session.commit()
    async with session_factory() as late, session_factory() as first:
        late_actor = await load_access(session=late, telegram_user_id=2, admin_ids=[])
        stale = await assignment_of(late, "HU-DIENBIEN", "M17")
        assert stale.state == AssignmentState.open
        await late.commit()  # the read is over; the session still holds what it read
        first_actor = await load_access(session=first, telegram_user_id=1, admin_ids=[])
        item_id = stale.id
        won = await confirm_assignment(session=first, actor=first_actor, assignment_id=item_id, now=clock.now())
        await first.commit()
        lost = await confirm_assignment(session=late, actor=late_actor, assignment_id=item_id, now=clock.now())
        await late.commit()
    assert (won.outcome, lost.outcome) == (Outcome.done, Outcome.already)
    async with session_factory() as session:
        assert await _events(session, item_id) == ["confirm"]  # one confirmation, one notice to supervisors
