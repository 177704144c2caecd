"""Extensions: who may ask and decide, what is refused (changing nothing), and what an approval moves — the unit's
due date only, in its status, the supervisors' late units and rates, and the report (the original date kept)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlmodel import select

from bot.confirmations import confirm_assignment
from bot.extensions import MAX_REASON, Outcome, approve_extension, decline_extension, may_ask, request_extension
from bot.i18n import translator
from bot.models import Event, Extension, ExtensionStatus, Role
from bot.progress import StatusRules, get_item, rates_of, subtree_progress
from bot.reports.data import gather_report
from bot.reports.workbook import cell_text
from bot.status import Status
from bot.timeutil import FixedClock, local_today
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import assignment_of, import_sample, member_with
from tests.conftest import VN

RULES = StatusRules(tz=VN)


async def _world(session, clock: FixedClock):  # type: ignore[no-untyped-def]
    """The sample plan; HU-DIENBIEN's secretary (1), the province's supervisor (2), HU-TUANGIAO's secretary (3)."""
    await import_sample(session, clock.now())
    secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
    supervisor = await member_with(session, 2, clock.now(), ("TU", Role.supervisor))
    other = await member_with(session, 3, clock.now(), ("HU-TUANGIAO", Role.secretary))
    return secretary, supervisor, other


async def _events(session, assignment_id: int) -> list[tuple[str, dict]]:  # type: ignore[no-untyped-def]
    rows = (await session.execute(select(Event.kind, Event.details).where(Event.assignment_id == assignment_id)
                                  .order_by(Event.id))).all()
    return [(kind, json.loads(details) if details else {}) for kind, details in rows]


async def _ask(session, actor, item, clock: FixedClock, new: date, reason: str = "chờ số liệu"):  # type: ignore[no-untyped-def]
    return await request_extension(session=session, actor=actor, assignment_id=item.id, new_date=new, reason=reason,
                                   now=clock.now(), today=local_today(clock.now(), VN))


async def test_request_is_checked_and_one_waits_at_a_time(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        secretary, supervisor, other = await _world(session, clock)
        m16 = await assignment_of(session, "HU-DIENBIEN", "M16")  # due 15/05/2020; today is 04/05/2020

        refusals = [
            (await _ask(session, supervisor, m16, clock, date(2020, 5, 29))).outcome,  # not the unit's secretary
            (await _ask(session, other, m16, clock, date(2020, 5, 29))).outcome,  # another unit: not even seen
            (await _ask(session, secretary, m16, clock, date(2020, 5, 15))).outcome,  # not after the due date
            (await _ask(session, secretary, m16, clock, date(2020, 5, 29), reason="  ")).outcome,
            (await _ask(session, secretary, m16, clock, date(2020, 5, 29), reason="x" * (MAX_REASON + 1))).outcome,
        ]
        assert refusals == [Outcome.not_allowed, Outcome.not_found, Outcome.not_later, Outcome.no_reason,
                            Outcome.reason_too_long]
        m03 = await assignment_of(session, "HU-DIENBIEN", "M03")  # due 30/09/2019: late since
        past = await _ask(session, secretary, m03, clock, date(2020, 5, 1))  # after the due date, but gone by
        assert past.outcome == Outcome.past
        assert (await session.execute(select(Extension))).scalars().all() == []
        assert await _events(session, m16.id) == []  # refusals change nothing

        asked = await _ask(session, secretary, m16, clock, date(2020, 5, 29))
        assert asked.outcome == Outcome.requested and asked.extension is not None
        assert asked.extension.old_date == date(2020, 5, 15) and asked.extension.status == ExtensionStatus.pending
        second = await _ask(session, secretary, m16, clock, date(2020, 6, 5), reason="lý do khác")
        assert second.outcome == Outcome.pending and second.extension.id == asked.extension.id  # type: ignore[union-attr]
        assert (await may_ask(session=session, actor=secretary, assignment_id=m16.id)).outcome == Outcome.pending
        assert len((await session.execute(select(Extension))).scalars().all()) == 1
        assert await _events(session, m16.id) == [("extension_request", {
            "extension": str(asked.extension.id), "from": "2020-05-15", "to": "2020-05-29", "reason": "chờ số liệu"})]

        await confirm_assignment(session=session, actor=secretary, assignment_id=m03.id, now=clock.now())
        done = await _ask(session, secretary, m03, clock, date(2020, 6, 30))
        assert done.outcome == Outcome.not_open  # nothing left to extend


async def test_approval_moves_that_units_date_only(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        secretary, supervisor, other = await _world(session, clock)
        mine = await assignment_of(session, "HU-DIENBIEN", "M16")
        theirs = await assignment_of(session, "HU-TUANGIAO", "M16")
        asked = await _ask(session, secretary, mine, clock, date(2020, 5, 29))
        assert asked.extension is not None
        extension_id = asked.extension.id

        # Only a supervisor above decides: not the unit's secretary (the requester), nor another unit's.
        assert (await approve_extension(session=session, actor=secretary, extension_id=extension_id,
                                        now=clock.now())).outcome == Outcome.not_allowed
        assert (await approve_extension(session=session, actor=other, extension_id=extension_id,
                                        now=clock.now())).outcome == Outcome.not_found
        assert (await approve_extension(session=session, actor=supervisor, extension_id=extension_id + 1000,
                                        now=clock.now())).outcome == Outcome.not_found
        assert mine.due_date_override is None

        approved = await approve_extension(session=session, actor=supervisor, extension_id=extension_id,
                                           now=clock.now())
        assert approved.outcome == Outcome.approved
        assert mine.due_date_override == date(2020, 5, 29) and theirs.due_date_override is None
        assert asked.extension.decided_by_member_id == supervisor.member.id  # type: ignore[union-attr]
        again = await approve_extension(session=session, actor=supervisor, extension_id=extension_id, now=clock.now())
        assert again.outcome == Outcome.decided

        # 14/05: three days before the old date the unit would be "due soon"; it is on track to 29/05.
        later = clock.now() + timedelta(days=10)
        item = await get_item(session=session, assignment_id=mine.id, now=later, rules=RULES)
        assert item is not None and item.due_date == date(2020, 5, 29) and item.original_due_date == date(2020, 5, 15)
        assert item.status == Status.on_track
        other_item = await get_item(session=session, assignment_id=theirs.id, now=later, rules=RULES)
        assert other_item is not None and other_item.status == Status.due_soon and other_item.original_due_date is None
        kinds = [kind for kind, _details in await _events(session, mine.id)]
        assert kinds == ["extension_request", "extension_approve"]
        # A further request must go beyond the new date.
        assert (await _ask(session, secretary, mine, clock, date(2020, 5, 20))).outcome == Outcome.not_later


async def test_decline_needs_a_reason_and_keeps_the_date(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        secretary, supervisor, _other = await _world(session, clock)
        m17 = await assignment_of(session, "HU-DIENBIEN", "M17")
        asked = await _ask(session, secretary, m17, clock, date(2020, 6, 30))
        assert asked.extension is not None
        empty = await decline_extension(session=session, actor=supervisor, extension_id=asked.extension.id,
                                        reason=" ", now=clock.now())
        assert empty.outcome == Outcome.no_reason and asked.extension.status == ExtensionStatus.pending
        declined = await decline_extension(session=session, actor=supervisor, extension_id=asked.extension.id,
                                           reason="cần đúng hạn", now=clock.now())
        assert declined.outcome == Outcome.declined and m17.due_date_override is None
        assert asked.extension.status == ExtensionStatus.declined and asked.extension.decision_reason == "cần đúng hạn"
        events = await _events(session, m17.id)
        assert events[-1][0] == "extension_decline" and events[-1][1]["decline_reason"] == "cần đúng hạn"
        # Declined is decided: the unit may ask again.
        assert (await _ask(session, secretary, m17, clock, date(2020, 6, 20))).outcome == Outcome.requested


async def test_nobody_decides_their_own_request(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        both = await member_with(session, 5, clock.now(), ("HU-DIENBIEN", Role.secretary), ("TU", Role.supervisor))
        m16 = await assignment_of(session, "HU-DIENBIEN", "M16")
        asked = await _ask(session, both, m16, clock, date(2020, 5, 29))
        assert asked.extension is not None
        refused = await approve_extension(session=session, actor=both, extension_id=asked.extension.id,
                                          now=clock.now())
        assert refused.outcome == Outcome.own_request and m16.due_date_override is None


async def test_supervisor_views_and_report_use_the_units_date(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        secretary, supervisor, _other = await _world(session, clock)
        m16 = await assignment_of(session, "HU-DIENBIEN", "M16")
        asked = await _ask(session, secretary, m16, clock, date(2020, 5, 29))
        await approve_extension(session=session, actor=supervisor, extension_id=asked.extension.id,  # type: ignore[union-attr]
                                now=clock.now())
        root = await get_unit_by_code(session=session, code="TU")
        assert root is not None

        async def m16_progress(at):  # type: ignore[no-untyped-def]
            progress = await subtree_progress(session=session, root=root, now=at, rules=RULES)
            return next(p for p in progress if p.code == "M16"), rates_of(progress)

        # 18/05: M16 is late for the others, not for HU-DIENBIEN, which is out of the "already due" count.
        before, rates = await m16_progress(clock.now() + timedelta(days=14))
        assert before.is_due and before.postponed == 1 and before.late_units
        assert "Huyện ủy Điện Biên" not in before.late_units
        assert rates.due_total == sum(p.total for p in (await subtree_progress(
            session=session, root=root, now=clock.now() + timedelta(days=14), rules=RULES)) if p.is_due) - 1
        # 29/05 after 17:00: its new date has passed too.
        after, _rates = await m16_progress(clock.now().replace(day=29, hour=18))
        assert after.postponed == 0 and "Huyện ủy Điện Biên" in after.late_units

        # The report keeps the original date beside the new one.
        data = await gather_report(session=session, root=root, now=clock.now(), rules=RULES)
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        cell = data.cells[(unit.id, m16.milestone_id)]  # type: ignore[union-attr]
        assert "Đã gia hạn đến 29/05/2020 (hạn ban đầu 15/05/2020)" in cell_text(translator("vi"), cell, VN)
