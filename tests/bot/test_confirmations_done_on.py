"""When it was really done: a confirmation may give the day the work was done; the grid judges by that day, the
event keeps it beside when it was reported, and impossible days are refused, changing nothing."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from bot.confirmations import Outcome, confirm_assignment, undo_confirmation
from bot.i18n import translator
from bot.models import AssignmentState, Event, Role
from bot.progress import StatusRules, get_item
from bot.reports.data import gather_report
from bot.reports.workbook import cell_text
from bot.status import Status
from bot.timeutil import FixedClock, local_today
from bot.typed_dates import TypedDateError, parse_typed_date
from bot.units import get_unit_by_code
from tests.bot.services_fixtures import assignment_of, import_sample, member_with
from tests.conftest import VN

RULES = StatusRules(tz=VN)


async def test_a_late_report_of_work_done_in_time_is_on_time(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        m03 = await assignment_of(session, "HU-DIENBIEN", "M03")  # 01/08/2019 – 30/09/2019, reported 04/05/2020
        today = local_today(clock.now(), VN)
        result = await confirm_assignment(session=session, actor=secretary, assignment_id=m03.id, now=clock.now(),
                                          note="đã họp", done_on=date(2019, 9, 25), today=today)
        assert result.outcome == Outcome.done and m03.done_on == date(2019, 9, 25)
        item = await get_item(session=session, assignment_id=m03.id, now=clock.now(), rules=RULES)
        assert item is not None and item.status == Status.done_on_time and item.done_on == date(2019, 9, 25)
        event = (await session.execute(select(Event).where(Event.assignment_id == m03.id))).scalars().one()
        assert event.at == clock.now()  # when it was reported ...
        assert json.loads(event.details or "{}") == {"note": "đã họp", "done_on": "2019-09-25"}  # ... and the day given

        root = await get_unit_by_code(session=session, code="TU")
        data = await gather_report(session=session, root=root, now=clock.now(), rules=RULES)  # type: ignore[arg-type]
        cell = data.cells[(m03.unit_id, m03.milestone_id)]
        assert cell.status == Status.done_on_time
        assert "Hoàn thành ngày 25/09/2019" in cell_text(translator("vi"), cell, VN)

        # Undone: the day given goes too; the next one-tap confirmation is judged by today, late.
        await undo_confirmation(session=session, actor=secretary, assignment_id=m03.id, now=clock.now(),
                                undo_minutes=10)
        assert m03.done_on is None
        await confirm_assignment(session=session, actor=secretary, assignment_id=m03.id, now=clock.now())
        item = await get_item(session=session, assignment_id=m03.id, now=clock.now(), rules=RULES)
        assert item is not None and item.status == Status.done_late


@pytest.mark.parametrize(("done_on", "outcome"), [
    (date(2020, 5, 5), Outcome.future_date),  # tomorrow
    (date(2019, 7, 31), Outcome.before_start),  # the day before the item's phase began
])
async def test_impossible_days_are_refused(session_factory, clock: FixedClock, done_on: date,
                                           outcome: Outcome) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        m03 = await assignment_of(session, "HU-DIENBIEN", "M03")
        result = await confirm_assignment(session=session, actor=secretary, assignment_id=m03.id, now=clock.now(),
                                          done_on=done_on, today=local_today(clock.now(), VN))
        assert result.outcome == outcome and not result.changed
        assert m03.state == AssignmentState.open and m03.done_on is None and m03.reported_at is None
        assert (await session.execute(select(Event).where(Event.assignment_id == m03.id))).scalars().all() == []


async def test_today_and_the_start_day_itself_are_allowed(session_factory, clock: FixedClock) -> None:
    async with session_factory() as session:
        await import_sample(session, clock.now())
        secretary = await member_with(session, 1, clock.now(), ("HU-DIENBIEN", Role.secretary))
        today = local_today(clock.now(), VN)
        m03 = await assignment_of(session, "HU-DIENBIEN", "M03")
        assert (await confirm_assignment(session=session, actor=secretary, assignment_id=m03.id, now=clock.now(),
                                         done_on=date(2019, 8, 1), today=today)).outcome == Outcome.done
        m16 = await assignment_of(session, "HU-DIENBIEN", "M16")
        assert (await confirm_assignment(session=session, actor=secretary, assignment_id=m16.id, now=clock.now(),
                                         done_on=today, today=today)).changed


@pytest.mark.parametrize(("word", "message"), [
    ("31/02/2020", 'Ngày "31/02/2020" không tồn tại (tháng 2 năm 2020 có 29 ngày)'),
    ("25/13/2019", 'Ngày "25/13/2019" không tồn tại (không có tháng 13)'),
    ("1/1/3000", 'Ngày "1/1/3000" nằm ngoài khoảng năm 1990–2100 mà kế hoạch được dùng'),
    ("tháng 9/2019", '"tháng 9/2019" không phải là ngày: hãy viết ngày/tháng/năm, ví dụ 15/05/2020'),
])
def test_typed_days_that_do_not_exist_are_refused_clearly(word: str, message: str) -> None:
    with pytest.raises(TypedDateError) as refused:
        parse_typed_date(word)
    assert refused.value.render(translator("vi")) == message


def test_typed_days_as_people_write_them() -> None:
    assert parse_typed_date("25/9/2019") == parse_typed_date("25.09.2019") == date(2019, 9, 25)
    assert parse_typed_date("29/02/2020") == date(2020, 2, 29)
