"""The data model: units (a tree), members and roles, invites, plans and their milestones, assignments, reminders,
events.

Table models do not validate input: plan files and commands are validated before they reach these.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import BigInteger, Column, Index, String, Text, UniqueConstraint, event, text
from sqlmodel import Field, SQLModel

from bot import tally
from bot.db import UTCDateTime


class UnitKind(str, enum.Enum):
    province_committee = "province_committee"  # Tỉnh ủy / Ban Chấp hành Đảng bộ tỉnh
    standing_committee = "standing_committee"  # Ban Thường vụ
    party_board = "party_board"  # Ban Tổ chức, Ban Tuyên giáo, Văn phòng Tỉnh ủy ...
    advisory_board = "advisory_board"  # cơ quan tham mưu, giúp việc
    sub_committee = "sub_committee"  # tiểu ban đại hội
    district_committee = "district_committee"  # đảng bộ cấp huyện và tương đương
    grassroots = "grassroots"  # tổ chức cơ sở đảng
    other = "other"


class Role(str, enum.Enum):
    secretary = "secretary"
    supervisor = "supervisor"
    admin = "admin"


class PlanStatus(str, enum.Enum):
    active = "active"
    closed = "closed"  # finished: never reminded again, history and reports kept


class ExtensionStatus(str, enum.Enum):
    pending = "pending"  # asked, waiting for a supervisor
    approved = "approved"
    declined = "declined"


class AssignmentState(str, enum.Enum):
    open = "open"
    reported = "reported"  # done, waiting for a supervisor's acceptance
    done = "done"


def utc_column(*, nullable: bool = True, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


def bigint_column(*, nullable: bool = True, index: bool = False) -> Column[int]:
    return Column(BigInteger(), nullable=nullable, index=index)


class Unit(SQLModel, table=True):
    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    name: str = Field(max_length=255)
    short_name: str | None = Field(default=None, max_length=120)
    kind: UnitKind = Field(default=UnitKind.other, index=True)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    # Materialised path of ids ("/1/4/17/"): a subtree is one indexed prefix query at any depth.
    path: str = Field(default="/", max_length=1024)
    depth: int = 0
    sort_order: int = 0
    # Other names the plan text uses for this unit, one per line (for plan intake).
    aliases: str | None = Field(default=None, sa_type=Text)
    active: bool = True

    __table_args__ = (
        # A subtree is a range of paths compared byte by byte (bot.units.in_subtree). On PostgreSQL the
        # pattern operator class keeps that (and LIKE 'prefix%') an index scan under any database collation.
        Index("ix_unit_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
        # Display order (supervisors read units in it): the first few late units of a milestone without a sort.
        Index("ix_unit_order", "depth", "sort_order", "code"),
    )


class Member(SQLModel, table=True):
    """A Telegram user (and the chat the bot writes to)."""

    __tablename__ = "member"

    id: int | None = Field(default=None, primary_key=True)
    telegram_user_id: int = Field(sa_column=bigint_column(nullable=False, index=True))
    chat_id: int = Field(sa_column=bigint_column(nullable=False, index=True))
    full_name: str = Field(default="", max_length=255)
    username: str | None = Field(default=None, max_length=64)
    language: str = Field(default="vi", max_length=8)
    # False once the user blocked the bot: nothing more is sent until they write again.
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column(nullable=False))

    __table_args__ = (UniqueConstraint("telegram_user_id", "chat_id", name="uq_member_user_chat"),)


class Membership(SQLModel, table=True):
    __tablename__ = "membership"

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role
    created_at: datetime = Field(sa_column=utc_column(nullable=False))

    __table_args__ = (UniqueConstraint("member_id", "unit_id", "role", name="uq_membership"),)


class Invite(SQLModel, table=True):
    __tablename__ = "invite"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: Role
    created_by: int | None = Field(default=None, sa_column=bigint_column())
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=utc_column())
    used_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    revoked_at: datetime | None = Field(default=None, sa_column=utc_column())


class Plan(SQLModel, table=True):
    """A plan document the office follows; the unit tree is the organisation's, shared by every plan."""

    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(index=True, unique=True, max_length=64)
    title: str = Field(sa_type=Text)
    number: str | None = Field(default=None, max_length=120)  # "190-KH/TU"
    issued: date | None = None
    issuer: str | None = Field(default=None, max_length=255)
    # A plain string column (PlanStatus values): a new status needs no database type change.
    status: PlanStatus = Field(default=PlanStatus.active, sa_type=String(16), index=True)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())


class Milestone(SQLModel, table=True):
    __tablename__ = "milestone"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    # Unique within its plan: two plans may both have an "M01".
    code: str = Field(index=True, max_length=64)
    title: str = Field(sa_type=Text)
    phase: str | None = Field(default=None, max_length=255)
    source_text: str | None = Field(default=None, sa_type=Text)
    start_date: date | None = None
    due_date: date = Field(index=True)
    due_time: time | None = None
    # Two steps: the unit reports done, a supervisor accepts ("chờ xác nhận" -> "đã hoàn thành").
    requires_acceptance: bool = False
    # Per-milestone reminder ladder ("7,3,1,0"); empty means the global setting.
    reminder_days: str | None = Field(default=None, max_length=64)
    sort_order: int = 0
    # False once the milestone left the plan: kept for history, never reminded again.
    active: bool = True
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    # A periodic milestone ("trước ngày 20 hằng tháng", bot.plans.periods). The series keeps its rule (JSON) here
    # while its plan file has it, and its units as its assignments; it is never followed itself (active is False).
    repeat: str | None = Field(default=None, sa_type=Text)
    # Each period is a milestone of its own ("BC-2026-12"), pointing at its series; one row per (series, period).
    series_id: int | None = Field(default=None, foreign_key="milestone.id", index=True)
    period: str | None = Field(default=None, max_length=16)  # "2026-12", "2026-Q4", "2027-H1", "2027"
    # The co-ordinating (phối hợp) units' codes, comma-separated (bot.plans.coordinating): shown with the milestone;
    # they get assignments only when their plan says `remind_coordinating: true`.
    coordinating: str | None = Field(default=None, sa_type=Text)

    __table_args__ = (UniqueConstraint("plan_id", "code", name="uq_milestone_plan_code"),
                      UniqueConstraint("series_id", "period", name="uq_milestone_series_period"))


class Assignment(SQLModel, table=True):
    """One milestone for one unit: progress, confirmation and reminders are all per assignment."""

    __tablename__ = "assignment"

    id: int | None = Field(default=None, primary_key=True)
    milestone_id: int = Field(foreign_key="milestone.id")
    unit_id: int = Field(foreign_key="unit.id")
    state: AssignmentState = Field(default=AssignmentState.open, index=True)
    reported_at: datetime | None = Field(default=None, sa_column=utc_column())
    reported_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    confirmed_at: datetime | None = Field(default=None, sa_column=utc_column())
    confirmed_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    note: str | None = Field(default=None, sa_type=Text)
    evidence_file_id: str | None = Field(default=None, max_length=255)
    # False once the plan no longer assigns this unit: history stays, progress ignores it.
    active: bool = True
    # An approved extension moves this unit's due date only (bot/extensions.py); None: the milestone's date.
    # Read through bot.status.effective_due_date / due_date_of, never on its own.
    due_date_override: date | None = None
    # The day the work was really done, as the unit gave it (/xong M03 25/9/2019): on time or late is judged by
    # it; None: by when it was reported.
    done_on: date | None = None

    __table_args__ = (
        UniqueConstraint("milestone_id", "unit_id", name="uq_assignment_milestone_unit"),
        # Partial: the few extended assignments of a milestone, for the planner's separate ladders (the rest of
        # the table, millions of rows, costs nothing here).
        Index("ix_assignment_due_override", "milestone_id", "due_date_override",
              sqlite_where=text("due_date_override IS NOT NULL"),
              postgresql_where=text("due_date_override IS NOT NULL")),
        # Progress is counted from these two alone (covering: no table row is read). By unit: a subtree's
        # units, then their assignments (a district's /tiendo, /baocao). By milestone: the late units of the
        # milestones already due, one milestone's breakdown, and the re-planning of a milestone's reminders.
        # Each also serves what the single-column indexes on unit_id and milestone_id served before.
        Index("ix_assignment_unit_progress", "unit_id", "active", "milestone_id", "state"),
        Index("ix_assignment_milestone_progress", "milestone_id", "active", "state", "unit_id"),
    )


class MilestoneTally(SQLModel, table=True):
    """Active assignments of a milestone in one state, kept by triggers on `assignment` (bot/tally.py): the whole
    tree's progress reads these rows instead of counting millions of assignments."""

    __tablename__ = "milestone_tally"

    milestone_id: int = Field(foreign_key="milestone.id", primary_key=True, ondelete="CASCADE")
    state: str = Field(primary_key=True, max_length=8)
    n: int


# create_all (a few tests, generated benchmark databases) gets the tally's triggers as Alembic's 0008 does.
event.listen(SQLModel.metadata, "after_create", tally.after_create)


class Reminder(SQLModel, table=True):
    """One planned message of the ladder; the database, not the scheduler, is the source of truth.

    Lifecycle (scheduler/): pending → queued (folded into a digest, `digest_id` set) → sent / failed;
    or pending → superseded (a newer step of the same assignment went out instead) / cancelled (confirmed,
    removed from the plan, or no longer in the ladder after an edit).
    """

    __tablename__ = "reminder"

    id: int | None = Field(default=None, primary_key=True)
    # Indexed by the (assignment_id, step) unique key; a separate index would only slow bulk planning. Not a
    # foreign key: a trigger checks the assignment once per statement (migration 0011; a key's check per row was
    # most of a national planning's time on PostgreSQL).
    assignment_id: int
    step: str = Field(max_length=32)  # "d7:2020-05-15", "d0:2020-05-15", "late:2020-05-18", "esc:2020-05-18"
    fire_at: datetime = Field(sa_column=utc_column(nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())
    # pending / queued / sent / superseded / cancelled / failed
    status: str = Field(default="pending", max_length=16)
    digest_id: int | None = Field(default=None, foreign_key="reminder_digest.id")
    # The first recipient's copy (every recipient's copy is a ReminderDelivery row).
    chat_id: int | None = Field(default=None, sa_column=bigint_column())
    message_id: int | None = Field(default=None, sa_column=bigint_column())
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=Text)

    __table_args__ = (
        # PostgreSQL: status and fire_at ride in the key's index, so the start-up check reads no table (0012).
        UniqueConstraint("assignment_id", "step", name="uq_reminder_assignment_step",
                         postgresql_include=["status", "fire_at"]),
        # The sweep ("pending and due") and the next wake-up ("earliest pending"). Partial: sent history
        # stays out of it, and SQLite's planner does not pick it over (assignment_id, step) for per-assignment
        # queries, which a (status, fire_at) index made it do — a scan of every pending row per assignment.
        Index(
            "ix_reminder_pending_fire_at",
            "fire_at",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # Partial: millions of pending rows have no digest and cost nothing here.
        Index(
            "ix_reminder_digest_id",
            "digest_id",
            sqlite_where=text("digest_id IS NOT NULL"),
            postgresql_where=text("digest_id IS NOT NULL"),
        ),
    )


class Event(SQLModel, table=True):
    """Append-only log of everything people and imports did. Nothing is deleted."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    kind: str = Field(max_length=32, index=True)  # confirm, undo, accept, return, import, urge, invite ...
    actor_member_id: int | None = Field(default=None, foreign_key="member.id")
    actor_label: str | None = Field(default=None, max_length=255)  # "cli", a user's name ...
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    milestone_id: int | None = Field(default=None, foreign_key="milestone.id")
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id", index=True)
    file_id: str | None = Field(default=None, max_length=255)
    details: str | None = Field(default=None, sa_type=Text)  # JSON


class ReminderDigest(SQLModel, table=True):
    """One message's content for one audience: a unit's due items, a parent's late children, a notice.

    The items are the Reminder rows pointing here; every recipient's copy is a ReminderDelivery.
    """

    __tablename__ = "reminder_digest"

    id: int | None = Field(default=None, primary_key=True)
    # reminder / escalation / blocked (scheduler.states.DigestKind), or a queued message's (bot.outbox.MessageKind)
    kind: str = Field(max_length=16)
    # reminder: the assigned unit; escalation: the parent unit; blocked: the unit of the blocked member.
    unit_id: int = Field(foreign_key="unit.id", index=True)
    # blocked: the member who blocked the bot.
    subject_member_id: int | None = Field(default=None, foreign_key="member.id")
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # A message queued by bot/outbox.py (a weekly digest, an urge, a notice): what it is about, and the parameters
    # it is rendered from when it is sent (JSON), in each reader's language.
    assignment_id: int | None = Field(default=None, foreign_key="assignment.id")
    params: str | None = Field(default=None, sa_type=Text)
    # At most one message per key, ever ("weekly:<member id>:<monday>": one digest per supervisor and week).
    once_key: str | None = Field(default=None, max_length=96)

    __table_args__ = (Index("uq_reminder_digest_once_key", "once_key", unique=True),)


class ReminderDelivery(SQLModel, table=True):
    """One copy of a digest to one chat: claimed before it is sent, so nothing is lost or sent twice.

    status: pending → sending (claimed_by, claimed_at) → sent / failed / cancelled; a claim older than a few
    minutes (a process that died mid-send) is taken back. A failed row keeps its reason for the admins.
    """

    __tablename__ = "reminder_delivery"

    id: int | None = Field(default=None, primary_key=True)
    digest_id: int = Field(foreign_key="reminder_digest.id", index=True)
    # Null only for a failure record with nobody to send to (reason "no_recipient").
    member_id: int | None = Field(default=None, foreign_key="member.id", index=True)
    chat_id: int | None = Field(default=None, sa_column=bigint_column())
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=utc_column(nullable=False))
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=utc_column())
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())
    message_id: int | None = Field(default=None, sa_column=bigint_column())
    # blocked / chat_not_found / bad_request / no_recipient / retries_exhausted / inactive
    reason: str | None = Field(default=None, max_length=32)
    last_error: str | None = Field(default=None, sa_type=Text)
    finished_at: datetime | None = Field(default=None, sa_column=utc_column())
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # Sent at once and at any hour, ahead of queued reminders: it follows what someone just did (a notice, an
    # urge) or keeps its own hours (the weekly digest). False: a reminder, sent only in the reminder window.
    prompt: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})

    __table_args__ = (
        Index("ix_reminder_delivery_status_next", "status", "next_attempt_at"),
        Index("ix_reminder_delivery_failed", "status", "finished_at"),
        # The prompt lane: found without reading the morning's queued reminders.
        Index("ix_reminder_delivery_prompt", "prompt", "status", "next_attempt_at"),
    )


class PendingDraft(SQLModel, table=True):
    """A plan file an admin sent in chat, waiting for their 📥 Nhập / ✖️ Hủy (bot/intake/pending.py)."""

    __tablename__ = "pending_draft"

    token: str = Field(primary_key=True, max_length=32)
    admin_telegram_id: int = Field(sa_column=bigint_column(nullable=False))
    file_name: str = Field(default="", max_length=255)
    plan_text: str = Field(sa_type=Text)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    expires_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))


class CalendarDay(SQLModel, table=True):
    """A day the government declared off or working for a year, beyond what the `holidays` package knows: a day
    off moved ("nghỉ bù"), a Saturday worked in exchange ("làm bù"). Read by bot/workdays.py."""

    __tablename__ = "calendar_day"

    day: date = Field(primary_key=True)
    working: bool  # True: a working day (a Saturday worked); False: a day off
    note: str | None = Field(default=None, max_length=255)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class Extension(SQLModel, table=True):
    """A unit's request for more time on one assignment ("xin gia hạn"), and the supervisor's decision
    (bot/extensions.py). Approved: `assignment.due_date_override` becomes `new_date`; rows are never deleted."""

    __tablename__ = "extension"

    id: int | None = Field(default=None, primary_key=True)
    assignment_id: int = Field(foreign_key="assignment.id", index=True)
    # A plain string column (ExtensionStatus values), like plan.status.
    status: ExtensionStatus = Field(default=ExtensionStatus.pending, sa_type=String(16))
    old_date: date  # the unit's due date when it asked (the milestone's, or an earlier extension's)
    new_date: date
    reason: str = Field(sa_type=Text)
    requested_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    requested_at: datetime = Field(sa_column=utc_column(nullable=False))
    decided_by_member_id: int | None = Field(default=None, foreign_key="member.id")
    decided_at: datetime | None = Field(default=None, sa_column=utc_column())
    decision_reason: str | None = Field(default=None, sa_type=Text)  # why it was declined

    __table_args__ = (
        # One open request per assignment: of two asked at once, the second fails in the database too.
        Index("uq_extension_pending", "assignment_id", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )
