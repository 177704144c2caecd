"""The plans an office runs: lookups, progress per plan, the short label views show, milestones by (plan, code).

    plans = await list_plans(session=session)                    # [PlanProgress], active first
    label = plan_label(plan)                                     # "190-KH/TU", or the plan's code
    found = await find_milestones(session=session, code="M01")   # [(Milestone, Plan)]: ambiguous when > 1
    milestone = await get_milestone(session=session, plan_id=plan.id, code="M01")

No Telegram types here: the chat views (/kehoach, /tiendo grouping) and the CLI build on these.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.models import Assignment, AssignmentState, Milestone, Plan, PlanStatus, Unit

# A label longer than this is no label: views fall back to the code.
MAX_LABEL = 24


def plan_label(plan: Plan) -> str:
    """What views print beside an item to say which plan it belongs to: the document number when it is short
    ("190-KH/TU"), else the plan's code ("DB-CT35-2019"); never the thirty-word title."""
    number = (plan.number or "").strip()
    return number if number and len(number) <= MAX_LABEL else plan.code


def is_active(plan: Plan) -> bool:
    return plan.status == PlanStatus.active


@dataclass(frozen=True)
class PlanProgress:
    plan: Plan
    milestones: int  # active milestones
    total: int  # followed assignments (active, of active milestones and units)
    done: int

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0


async def get_plan(*, session: AsyncSession, code: str) -> Plan | None:
    """The plan with this code (any case), active or closed."""
    statement = select(Plan).where(func.upper(Plan.code) == code.strip().upper())
    return (await session.execute(statement)).scalars().first()


async def active_plans(*, session: AsyncSession) -> list[Plan]:
    statement = (select(Plan).where(col(Plan.status) == PlanStatus.active.value)
                 .order_by(col(Plan.created_at), col(Plan.id)))
    return list((await session.execute(statement)).scalars().all())


async def list_plans(*, session: AsyncSession, include_closed: bool = True) -> list[PlanProgress]:
    """Every plan with its progress, active ones first, each group in the order they were first imported."""
    followed = (select(col(Milestone.plan_id).label("plan_id"),
                       func.count(col(Assignment.id)).label("total"),
                       func.sum(case((col(Assignment.state) == AssignmentState.done, 1), else_=0))
                       .cast(Integer).label("done"))
                .join(Assignment, col(Assignment.milestone_id) == Milestone.id)
                .join(Unit, col(Unit.id) == Assignment.unit_id)
                .where(col(Milestone.active).is_(True), col(Assignment.active).is_(True), col(Unit.active).is_(True))
                .group_by(col(Milestone.plan_id)).subquery())
    milestones = (select(col(Milestone.plan_id).label("plan_id"), func.count().label("count"))
                  .where(col(Milestone.active).is_(True)).group_by(col(Milestone.plan_id)).subquery())
    statement = (select(Plan, func.coalesce(milestones.c.count, 0), func.coalesce(followed.c.total, 0),
                        func.coalesce(followed.c.done, 0))
                 .outerjoin(milestones, milestones.c.plan_id == Plan.id)
                 .outerjoin(followed, followed.c.plan_id == Plan.id)
                 .order_by(case((col(Plan.status) == PlanStatus.active.value, 0), else_=1), col(Plan.created_at),
                           col(Plan.id)))
    if not include_closed:
        statement = statement.where(col(Plan.status) == PlanStatus.active.value)
    return [PlanProgress(plan, int(count), int(total), int(done))
            for plan, count, total, done in (await session.execute(statement)).all()]


async def find_milestones(*, session: AsyncSession, code: str, plan_code: str | None = None,
                          active_plans_only: bool = True) -> list[tuple[Milestone, Plan]]:
    """The active milestones with this code (any case), with their plan: one per plan that has it, active plans
    first. More than one means the code is ambiguous: ask which plan (or pass `plan_code`)."""
    statement = (select(Milestone, Plan).join(Plan, col(Plan.id) == Milestone.plan_id)
                 .where(func.upper(Milestone.code) == code.strip().upper(), col(Milestone.active).is_(True))
                 .order_by(case((col(Plan.status) == PlanStatus.active.value, 0), else_=1), col(Plan.created_at),
                           col(Plan.id)))
    if plan_code is not None:
        statement = statement.where(func.upper(Plan.code) == plan_code.strip().upper())
    if active_plans_only:
        statement = statement.where(col(Plan.status) == PlanStatus.active.value)
    return [(milestone, plan) for milestone, plan in (await session.execute(statement)).all()]


async def get_milestone(*, session: AsyncSession, plan_id: int, code: str) -> Milestone | None:
    """The milestone of this plan with this code (any case), active or not."""
    statement = select(Milestone).where(col(Milestone.plan_id) == plan_id,
                                        func.upper(Milestone.code) == code.strip().upper())
    return (await session.execute(statement)).scalars().first()
