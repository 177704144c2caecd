"""plans as rows: a `plan` table, every milestone belongs to one, milestone codes unique within their plan

Revision ID: 9e6b1f3a5c27
Revises: 7d3f9a2c4e18
Create Date: 2026-12-02 09:00:00.000000

Carries a database over with nothing lost: one plan row per `milestone.plan_code` in use (its title from the
latest import event that names it, else the code), milestones without a code go to the plan of the latest
import (or to a plan named "KH-CU"), then `milestone.plan_id` replaces `plan_code`. Number, date and issuer are
filled in by the next import of the plan's file.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from bot.db import UTCDateTime

revision: str = '9e6b1f3a5c27'
down_revision: str | None = '7d3f9a2c4e18'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEGACY_PLAN = "KH-CU"  # milestones imported before plans were recorded, when no import event names a plan


def upgrade() -> None:
    op.create_table(
        'plan',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
        sa.Column('issued', sa.Date(), nullable=True),
        sa.Column('issuer', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_code', 'plan', ['code'], unique=True)
    op.create_index('ix_plan_status', 'plan', ['status'], unique=False)
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))

    _fill_plans(op.get_bind())

    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.alter_column('plan_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key('fk_milestone_plan_id', 'plan', ['plan_id'], ['id'])
        batch_op.drop_index('ix_milestone_code')
        batch_op.create_index('ix_milestone_code', ['code'], unique=False)
        batch_op.drop_index('ix_milestone_plan_code')
        batch_op.drop_column('plan_code')
        batch_op.create_index('ix_milestone_plan_id', ['plan_id'], unique=False)
        batch_op.create_unique_constraint('uq_milestone_plan_code', ['plan_id', 'code'])


def _fill_plans(bind: sa.engine.Connection) -> None:
    milestone = sa.table('milestone', sa.column('id', sa.Integer()), sa.column('plan_code', sa.String()),
                         sa.column('plan_id', sa.Integer()))
    event = sa.table('event', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
                     sa.column('details', sa.Text()))
    plan = sa.table('plan', sa.column('id', sa.Integer()), sa.column('code', sa.String()),
                    sa.column('title', sa.Text()), sa.column('status', sa.String()),
                    sa.column('created_at', UTCDateTime()), sa.column('updated_at', UTCDateTime()))
    codes = {code for (code,) in bind.execute(sa.select(milestone.c.plan_code).distinct())}
    imports = _latest_import_details(bind, event)
    legacy = None
    if None in codes:
        codes.discard(None)
        latest = next(iter(imports.values()), None)  # ordered newest first
        legacy = (latest or {}).get("plan") or LEGACY_PLAN
        codes.add(legacy)
    now = datetime.now(UTC)
    for code in sorted(codes):
        title = (imports.get(code) or {}).get("title") or code
        bind.execute(plan.insert().values(code=code, title=title, status="active", created_at=now, updated_at=now))
    plan_of = sa.select(plan.c.id).where(plan.c.code == milestone.c.plan_code).scalar_subquery()
    bind.execute(milestone.update().where(milestone.c.plan_code.is_not(None)).values(plan_id=plan_of))
    if legacy is not None:
        legacy_id = bind.execute(sa.select(plan.c.id).where(plan.c.code == legacy)).scalar_one()
        bind.execute(milestone.update().where(milestone.c.plan_code.is_(None)).values(plan_id=legacy_id))


def _latest_import_details(bind: sa.engine.Connection, event: sa.TableClause) -> dict[str, dict[str, object]]:
    """The details of the latest import event of each plan code, newest plan first."""
    found: dict[str, dict[str, object]] = {}
    rows = bind.execute(sa.select(event.c.details).where(event.c.kind == 'import').order_by(event.c.id.desc()))
    for (details,) in rows:
        try:
            data = json.loads(details or "")
        except ValueError:
            continue
        code = data.get("plan") if isinstance(data, dict) else None
        if isinstance(code, str) and code not in found:
            found[code] = data
    return found


def downgrade() -> None:
    # Codes must be unique again across plans: a database where two plans share one cannot go back.
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    milestone = sa.table('milestone', sa.column('plan_code', sa.String()), sa.column('plan_id', sa.Integer()))
    plan = sa.table('plan', sa.column('id', sa.Integer()), sa.column('code', sa.String()))
    op.get_bind().execute(milestone.update().values(
        plan_code=sa.select(plan.c.code).where(plan.c.id == milestone.c.plan_id).scalar_subquery()))
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_constraint('uq_milestone_plan_code', type_='unique')
        batch_op.drop_index('ix_milestone_plan_id')
        batch_op.drop_constraint('fk_milestone_plan_id', type_='foreignkey')
        batch_op.drop_column('plan_id')
        batch_op.drop_index('ix_milestone_code')
        batch_op.create_index('ix_milestone_code', ['code'], unique=True)
        batch_op.create_index('ix_milestone_plan_code', ['plan_code'], unique=False)
    op.drop_index('ix_plan_status', table_name='plan')
    op.drop_index('ix_plan_code', table_name='plan')
    op.drop_table('plan')
