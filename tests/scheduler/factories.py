"""Builds units, members, milestones and assignments straight from the models, for scheduler tests."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import count

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import Access, load_access
from bot.confirmations import Outcome, confirm_assignment
from bot.members import UnitRole
from bot.models import Assignment, Member, Membership, Milestone, Plan, Role, Unit
from bot.settings import Settings
from bot.timeutil import FixedClock
from scheduler import assignments_changed

EPOCH = datetime.fromisoformat("2020-01-01T00:00:00+00:00")
# Closing an assignment cancels its reminders whatever the settings; the ladder's defaults serve a re-plan.
_SETTINGS = Settings(_env_file=None, telegram_bot_token="12345:test-token")  # type: ignore[call-arg]
_ids = count(1)


class Factory:
    """Adds rows to one session and flushes, so ids are there at once; the test commits."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._plan: Plan | None = None

    async def plan(self, code: str = "KH") -> Plan:
        """The plan milestones belong to (one, made on first use, unless a code is given)."""
        if code == "KH" and self._plan is not None:
            return self._plan
        plan = await self._add(Plan(code=code, title=f"Kế hoạch {code}", created_at=EPOCH, updated_at=EPOCH))
        if code == "KH":
            self._plan = plan
        return plan

    async def _add(self, row):  # type: ignore[no-untyped-def]
        self.session.add(row)
        await self.session.flush()
        return row

    async def unit(self, code: str, *, name: str | None = None, parent: Unit | None = None) -> Unit:
        unit = await self._add(
            Unit(
                code=code,
                name=name or f"Đơn vị {code}",
                parent_id=parent.id if parent else None,
                depth=parent.depth + 1 if parent else 0,
            )
        )
        unit.path = f"{parent.path if parent else '/'}{unit.id}/"
        await self.session.flush()
        return unit

    async def member(
        self,
        *,
        name: str = "",
        chat_id: int | None = None,
        language: str = "vi",
        units: dict[Unit, Role] | None = None,
        roles: list[tuple[Unit, Role]] | None = None,
    ) -> Member:
        number = next(_ids)
        member = await self._add(
            Member(
                telegram_user_id=100000 + number,
                chat_id=chat_id if chat_id is not None else 100000 + number,
                full_name=name or f"Người {number}",
                language=language,
                created_at=EPOCH,
            )
        )
        for unit, role in roles or []:
            await self._add(Membership(member_id=member.id, unit_id=unit.id, role=role, created_at=EPOCH))
        return member

    async def secretary(self, unit: Unit, **kwargs) -> Member:  # type: ignore[no-untyped-def]
        return await self.member(roles=[(unit, Role.secretary)], **kwargs)

    async def supervisor(self, unit: Unit, **kwargs) -> Member:  # type: ignore[no-untyped-def]
        return await self.member(roles=[(unit, Role.supervisor)], **kwargs)

    async def units_with_secretaries(self, chats: list[int], *, milestone: str, due: date) -> list[Unit]:
        """One unit per chat, each with a secretary in that chat, all given one milestone."""
        units = [await self.unit(f"XA-{chat}") for chat in chats]
        for unit, chat in zip(units, chats, strict=True):
            await self.secretary(unit, chat_id=chat)
        await self.milestone(milestone, due, units=units)
        return units

    async def milestone(
        self,
        code: str,
        due: date,
        *,
        title: str | None = None,
        reminder_days: str | None = None,
        due_time: time | None = None,
        units: list[Unit] = (),  # type: ignore[assignment]
        plan: Plan | None = None,
    ) -> tuple[Milestone, list[Assignment]]:
        plan = plan or await self.plan()
        milestone = await self._add(
            Milestone(
                plan_id=plan.id,
                code=code,
                title=title or f"Nhiệm vụ {code}",
                due_date=due,
                due_time=due_time,
                reminder_days=reminder_days,
                created_at=EPOCH,
                updated_at=EPOCH,
            )
        )
        assignments = [await self._add(Assignment(milestone_id=milestone.id, unit_id=unit.id)) for unit in units]
        return milestone, assignments


async def confirm(session: AsyncSession, assignment: Assignment, *, now: datetime = EPOCH) -> None:
    """What ✅ does, through the real services: the unit's secretary confirms (the service writes the state, the
    event and the supervisors' notice), and the engine is told (scheduler.assignments_changed), in one transaction."""
    unit = await session.get(Unit, assignment.unit_id)
    assert unit is not None
    secretary = (await session.execute(
        select(Member).join(Membership, Membership.member_id == Member.id)
        .where(Membership.unit_id == unit.id, Membership.role == Role.secretary).order_by(Member.id))).scalars().first()
    if secretary is None:  # a unit nobody joined: confirmed by an admin of the tree
        actor = Access(telegram_user_id=0, member=None, roles=[UnitRole(unit, Role.admin)], is_admin=True)
    else:
        actor = await load_access(session=session, telegram_user_id=secretary.telegram_user_id, admin_ids=[])
    result = await confirm_assignment(session=session, actor=actor, assignment_id=assignment.id, now=now)  # type: ignore[arg-type]
    assert result.outcome in (Outcome.done, Outcome.reported), result.outcome
    await assignments_changed(session, assignment_ids=[assignment.id], settings=_SETTINGS,  # type: ignore[list-item]
                              clock=FixedClock(now))
