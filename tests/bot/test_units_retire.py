"""Retiring a unit is an explicit act: it says what it leaves open, asks, and keeps the history (issue 12)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.invites import create_invite, redeem_invite
from bot.members import get_or_create_member
from bot.models import Assignment, AssignmentState, Event, Membership, Milestone, Reminder, Role, Unit
from bot.settings import PROJECT_ROOT
from bot.units import get_unit_by_code
from tests.bot.cli_runs import Invoke, cli_at, in_database

SAMPLE = str(PROJECT_ROOT / "plans" / "dien-bien-2019.yaml")
NOW = "2020-05-04T09:00:00+07:00"
DISTRICT = ["HU-DIENBIEN", "DUX-THANHXUONG", "DUX-NOONGLUONG", "DUX-THANHAN"]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    return cli_at(NOW, database_url, monkeypatch)



def snapshot(database_url: str) -> dict[str, list[tuple[object, ...]]]:
    async def body(session: AsyncSession) -> dict[str, list[tuple[object, ...]]]:
        found = {}
        for model in (Unit, Assignment, Reminder, Membership, Event):
            columns = model.__table__.columns  # type: ignore[attr-defined]
            found[model.__tablename__] = [tuple(row) for row in (await session.execute(  # type: ignore[attr-defined]
                select(*columns).order_by(columns.id))).all()]
        return found

    return in_database(database_url, body)


def office_with_a_secretary(cli, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """The 2019 plan, a secretary of Huyện ủy Điện Biên, and one of the district's items already done."""
    assert cli("import", SAMPLE).exit_code == 0
    now = datetime.fromisoformat(NOW)

    async def body(session: AsyncSession) -> None:
        unit = await get_unit_by_code(session=session, code="HU-DIENBIEN")
        assert unit is not None
        invite = await create_invite(session=session, unit=unit, role=Role.secretary, now=now, ttl_days=7)
        member = await get_or_create_member(session=session, telegram_user_id=5151, chat_id=5151,
                                            full_name="Lò Văn Thư", username=None, now=now)
        assert (await redeem_invite(session=session, code=invite.code, member=member, now=now)).ok
        m01 = (await session.execute(select(Milestone.id).where(Milestone.code == "M01"))).scalar_one()
        await session.execute(update(Assignment).where(Assignment.unit_id == unit.id, Assignment.milestone_id == m01)
                              .values(state=AssignmentState.done, confirmed_at=now))
        await session.commit()

    in_database(database_url, body)


def test_retire_lists_what_it_leaves_open_and_asks(cli, database_url: str) -> None:  # type: ignore[no-untyped-def]
    office_with_a_secretary(cli, database_url)
    before = snapshot(database_url)
    ids = {row[1]: row[0] for row in before["unit"]}
    district_ids = {ids[code] for code in DISTRICT}
    open_count = sum(1 for row in before["assignment"] if row[2] in district_ids and row[3] != "done")
    district_assignments = {row[0] for row in before["assignment"] if row[2] in district_ids}
    pending = [row for row in before["reminder"] if row[1] in district_assignments and row[5] == "pending"]
    assert open_count and pending

    asked = cli("units", "retire", "hu-dienbien", input="n\n")
    assert asked.exit_code == 1
    assert asked.stdout.splitlines()[:5] == [
        "Ngừng theo dõi 4 đơn vị: " + ", ".join(DISTRICT),
        f"Việc chưa xong sẽ ra khỏi tiến độ: {open_count} (DB-CT35-2019: {open_count})",
        "Thành viên còn gắn với các đơn vị này (vẫn giữ; gỡ trong chat nếu cần): 1",
        "  HU-DIENBIEN  Lò Văn Thư (thư ký)",
        f"Nhắc việc chưa gửi, sẽ hủy: {len(pending)}",
    ]
    assert asked.stdout.splitlines()[-1] == "Không thay đổi gì."
    assert snapshot(database_url) == before

    done = cli("units", "retire", "HU-DIENBIEN", "--yes", "--reason", "sáp nhập 2025")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[-1] == "Đã ngừng theo dõi 4 đơn vị; lịch sử vẫn giữ nguyên."
    after = snapshot(database_url)
    unit_active = list(Unit.__table__.columns.keys()).index("active")  # type: ignore[attr-defined]
    assert [row[1] for row in after["unit"] if not row[unit_active]] == DISTRICT
    columns = list(Assignment.__table__.columns.keys())  # type: ignore[attr-defined]
    unit_id, state, active = (columns.index(name) for name in ("unit_id", "state", "active"))
    for old, new in zip(before["assignment"], after["assignment"], strict=True):
        if old[unit_id] in district_ids:  # left progress, their state (the done M01 too) as it was
            assert (new[state], new[active]) == (old[state], False)
        else:
            assert new == old
    status = {row[0]: row[5] for row in after["reminder"]}
    assert all(status[row[0]] == "cancelled" for row in pending)
    assert all(new == old for old, new in zip(before["reminder"], after["reminder"], strict=True)
               if old[1] not in district_assignments)
    assert after["membership"] == before["membership"]  # a member's bond is undone by a person, not here
    retired = [row for row in after["event"] if row[2] == "retire"]
    assert len(retired) == 4 and '"reason": "sáp nhập 2025"' in (retired[0][-1] or "")

    assert "HU-DIENBIEN " not in cli("units").stdout
    listed = next(line for line in cli("units", "--all").stdout.splitlines() if line.startswith("  HU-DIENBIEN "))
    assert listed.endswith("Huyện ủy Điện Biên (đảng bộ cấp huyện và tương đương) [ngừng theo dõi]")
    again = cli("units", "retire", "HU-DIENBIEN", "--yes")
    assert (again.exit_code, again.stderr) == (1, "Đơn vị HU-DIENBIEN đã ngừng theo dõi từ trước.\n")

    # Importing the plan that lists the district again neither revives it nor gives it work back.
    reimport = cli("import", SAMPLE)
    assert reimport.exit_code == 0, reimport.output
    assert "Không có thay đổi." in reimport.stdout
    assert "  ! đơn vị HU-DIENBIEN đã ngừng theo dõi: không giao việc của kế hoạch này" in reimport.stdout
    assert snapshot(database_url)["assignment"] == after["assignment"]


def test_retired_true_in_a_units_file_retires_too(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    office_with_a_secretary(cli, database_url)
    units = tmp_path / "don-vi.yaml"
    units.write_text("units:\n  - {code: HU-MUONGNHE, retired: true}\n  - {code: HU-KHONGCO, retired: true}\n",
                     encoding="utf-8")
    result = cli("units", "import", str(units))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "Đơn vị: thêm 0, sửa 0, khôi phục 0, ngừng theo dõi 1.",
        "  - HU-MUONGNHE  Huyện ủy Mường Nhé (ngừng theo dõi)",
        "  ? không có đơn vị mã HU-KHONGCO: không có gì để ngừng theo dõi",
    ]

    async def state(session: AsyncSession) -> tuple[bool, list[bool], list[str]]:
        unit = (await session.execute(select(Unit).where(Unit.code == "HU-MUONGNHE"))).scalar_one()
        assignments = (await session.execute(select(Assignment.active).where(Assignment.unit_id == unit.id))).scalars()
        reminders = (await session.execute(select(Reminder.status)
                                           .join(Assignment, Assignment.id == Reminder.assignment_id)
                                           .where(Assignment.unit_id == unit.id))).scalars()
        return unit.active, list(assignments), sorted(set(reminders))

    active, assignments, reminders = in_database(database_url, state)
    assert (active, set(assignments), reminders) == (False, {False}, ["cancelled"])
    assert cli("units", "import", str(units)).stdout.splitlines()[1] == "Không có thay đổi."


def test_a_units_file_cannot_keep_a_unit_under_one_it_retires(cli, database_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    office_with_a_secretary(cli, database_url)
    before = snapshot(database_url)
    nested = tmp_path / "a.yaml"
    nested.write_text("units:\n  - code: HU-DIENBIEN\n    retired: true\n    children:\n"
                      "      - {code: DUX-THANHAN, name: Đảng ủy xã Thanh An, kind: grassroots}\n", encoding="utf-8")
    result = cli("units", "import", str(nested))
    assert (result.exit_code, result.stderr) == (1, f'{nested}:5: đơn vị "DUX-THANHAN" vẫn theo dõi nhưng đơn vị cấp '
                                                    'trên "HU-DIENBIEN" bị ghi ngừng theo dõi: chuyển đơn vị này đi, '
                                                    "hoặc cũng ngừng theo dõi nó\n")
    stored = tmp_path / "b.yaml"  # under it through a unit the file does not list: found in the stored tree
    stored.write_text("units:\n  - {code: TU, retired: true}\n  - {code: DUX-THANHAN, name: Đảng ủy xã Thanh An, "
                      "kind: grassroots, parent: HU-DIENBIEN}\n", encoding="utf-8")
    result = cli("units", "import", str(stored))
    assert result.exit_code == 1
    assert result.stderr == (f'{stored}: đơn vị "DUX-THANHAN" vẫn theo dõi nhưng một đơn vị cấp trên bị ghi ngừng '
                             "theo dõi: chuyển đơn vị này đi, hoặc cũng ngừng theo dõi nó\n")
    assert snapshot(database_url) == before
