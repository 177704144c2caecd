"""What the queued messages say (bot/outbox.py): one renderer per kind, handed to the reminder engine by the
composition root (bot/app.py), which calls it when it sends a copy (scheduler/notices.py).

Nothing is sent here: the engine sends, retries and reports. A renderer reads the database as it stands when the
copy goes out and writes in its reader's language; it returns None when the message is no longer true — the item
was confirmed since an urge, a report undone, a request decided before its copy went — and the copy is then
cancelled. Texts share the chat views' presentation (handlers/render.py, handlers/keyboards.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from sqlmodel import col, select
from telegram import InlineKeyboardMarkup

from bot.extensions import MAX_REASON as MAX_EXTENSION_REASON
from bot.models import (
    Assignment,
    AssignmentState,
    Extension,
    ExtensionStatus,
    Member,
    Membership,
    Milestone,
    Role,
    Unit,
)
from bot.outbox import MessageKind
from bot.plan_views import view_labels
from bot.progress import StatusRules, get_item, rates_of, subtree_progress
from bot.status import Status, due_date_of
from handlers.confirm import MAX_REASON as MAX_RETURN_REASON
from handlers.extensions import decision_line, request_text
from handlers.keyboards import decide_keyboard, done_keyboard, review_keyboard, with_evidence
from handlers.render import PAGE_BUDGET, paginate, qualified, short
from handlers.reports import digest_lines, urge_text
from scheduler.notices import Notice, NoticeContext, NoticeRenderer
from scheduler.render import Button, RenderedMessage

MAX_NOTE = 500  # a unit's note quoted in the supervisors' notice


def message(text: str, markup: InlineKeyboardMarkup | None = None) -> RenderedMessage:
    """A text and its keyboard as the engine sends them."""
    rows = markup.inline_keyboard if markup is not None else ()
    return RenderedMessage(text=text, buttons=tuple(tuple(Button(b.text, str(b.callback_data or "")) for b in row)
                                                    for row in rows))


async def _rows(context: NoticeContext, notice: Notice) -> tuple[Assignment, Milestone, Unit] | None:
    if notice.assignment_id is None:
        return None
    row = (await context.session.execute(
        select(Assignment, Milestone, Unit).join(Milestone, col(Milestone.id) == Assignment.milestone_id)
        .join(Unit, col(Unit.id) == Assignment.unit_id).where(col(Assignment.id) == notice.assignment_id))).first()
    return (row[0], row[1], row[2]) if row else None


async def _code(context: NoticeContext, milestone: Milestone) -> str:
    """The milestone's code, bold, with its plan's label where several plans are active."""
    label = (await view_labels(session=context.session)).get(milestone.plan_id, "")
    return f"<b>{escape(qualified(milestone.code, label))}</b>"


async def weekly(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """A supervisor's weekly digest: the progress of the subtrees they still supervise, as it stands now; not
    once its week is over (the next week's has its own)."""
    tz, t = context.settings.tz, context.tr
    today = context.now.astimezone(tz).date()
    if today >= date.fromisoformat(notice.params["week"]) + timedelta(days=7):
        return None
    held = (await context.session.execute(
        select(col(Unit.path)).join(Membership, col(Membership.unit_id) == Unit.id)
        .where(Membership.member_id == context.reader.id, Membership.role == Role.supervisor))).scalars().all()
    roots = [root for root in (await context.session.execute(
        select(Unit).where(col(Unit.id).in_(notice.params["roots"]), col(Unit.active)))).scalars()
        if any(root.path.startswith(path) for path in held)]
    if not roots:
        return None
    rules = StatusRules.from_settings(context.settings)
    labels = await view_labels(session=context.session)
    lines: list[str] = []
    for root in sorted(roots, key=lambda unit: (unit.depth, unit.code)):
        progress = await subtree_progress(session=context.session, root=root, now=context.now, rules=rules)
        lines += ([""] if lines else []) + digest_lines(t, root, progress, rates_of(progress), today, labels)
    pages = paginate(lines, PAGE_BUDGET)
    # One message: a long digest ends where a phone screen would; the full report is one command away.
    text = pages[0] if len(pages) == 1 else pages[0] + "\n…\n" + t.gettext("Full report: /baocao")
    return message(text)


async def urge(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """📣 to a late unit's secretaries — unless the item was confirmed (or is no longer late) by now."""
    assert notice.assignment_id is not None
    item = await get_item(session=context.session, assignment_id=notice.assignment_id, now=context.now,
                          rules=StatusRules.from_settings(context.settings))
    if item is None or item.status != Status.overdue:
        return None
    urger = await context.session.get(Member, notice.params["by"]) if "by" in notice.params else None
    label = (await view_labels(session=context.session)).get(item.plan_id, "")
    t = context.tr
    return message(urge_text(t, urger.full_name if urger else "", item, label), done_keyboard(t, item.assignment_id))


async def confirmed(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """To the supervisors above: the unit completed an item, or reported it done (✔️ accept / ↩️ return) — unless
    that was undone by now (or, reported, decided)."""
    rows = await _rows(context, notice)
    if rows is None:
        return None
    assignment, milestone, unit = rows
    reported = notice.kind == MessageKind.reported.value
    if assignment.state != (AssignmentState.reported if reported else AssignmentState.done):
        return None
    t = context.tr
    _ = t.gettext
    assert assignment.id is not None  # read from the table
    if reported:
        text = _("🕓 {unit} reported {code} done; please accept or return it.")
        keyboard = review_keyboard(t, assignment.id)
    else:
        text, keyboard = _("✅ {unit} completed {code}."), None
    text = text.format(unit=f"<b>{escape(unit.code)}</b>", code=await _code(context, milestone))
    if assignment.note:  # what the unit said travels with it
        text += "\n" + _("📝 Note: {note}").format(note=escape(short(assignment.note, MAX_NOTE)))
    if assignment.evidence_file_id:
        keyboard = with_evidence(t, keyboard, assignment.id)
    return message(text, keyboard)


async def reviewed(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """To the unit's secretaries: their report was accepted, or returned with the supervisor's reason."""
    rows = await _rows(context, notice)
    if rows is None:
        return None
    _ = context.tr.gettext
    code = await _code(context, rows[1])
    # Each template is filled once: the reason is the supervisor's text, never a template itself.
    if notice.kind == MessageKind.accepted.value:
        return message(_("✅ {code} was accepted.").format(code=code))
    return message(_("↩️ {code} was returned: please complete it and report again.").format(code=code) + "\n"
                   + _("Reason: {reason}").format(reason=escape(short(notice.params.get("reason", ""),
                                                                     MAX_RETURN_REASON))))


async def _extension(context: NoticeContext, notice: Notice) -> tuple[Extension, Assignment, Milestone, Unit] | None:
    rows = await _rows(context, notice)
    extension = await context.session.get(Extension, notice.params["extension"])
    return (extension, *rows) if rows is not None and extension is not None else None


async def extension_request(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """To the supervisors above: a unit asks for more time (✔️ / ✖️) — unless someone decided it by now."""
    found = await _extension(context, notice)
    if found is None or found[0].status != ExtensionStatus.pending:
        return None
    extension, _assignment, milestone, unit = found
    t = context.tr
    assert extension.id is not None  # read from the table
    return message(request_text(t, unit, extension, await _code(context, milestone)), decide_keyboard(t, extension.id))


async def extension_decided(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """The other supervisors' copy of a request, edited: who decided it, when; its buttons gone."""
    found = await _extension(context, notice)
    if found is None or found[0].status == ExtensionStatus.pending:
        return None
    extension, _assignment, milestone, unit = found
    decider = (await context.session.get(Member, extension.decided_by_member_id)
               if extension.decided_by_member_id else None)
    t = context.tr
    text = request_text(t, unit, extension, await _code(context, milestone))
    return message(text + "\n" + decision_line(t, extension, decider.full_name if decider else "", context.settings.tz))


async def extension_answer(context: NoticeContext, notice: Notice) -> RenderedMessage | None:
    """To the unit's secretaries: their request was approved (the new date), or declined (the reason)."""
    found = await _extension(context, notice)
    if found is None:
        return None
    extension, assignment, milestone, _unit = found
    t = context.tr
    _ = t.gettext
    code = await _code(context, milestone)
    if notice.kind == MessageKind.ext_approved.value:
        return message(_("✔️ Request approved: {code} is now due {date} (was {old}).").format(
            code=code, date=t.short_date(extension.new_date), old=t.short_date(extension.old_date)))
    return message(_("✖️ Your request for more time on {code} was declined: it is still due {date}.").format(
        code=code, date=t.short_date(due_date_of(assignment, milestone)))
        + "\n" + _("Reason: {reason}").format(reason=escape(short(extension.decision_reason or "",
                                                                 MAX_EXTENSION_REASON))))


RENDERERS: dict[str, NoticeRenderer] = {
    MessageKind.weekly.value: weekly,
    MessageKind.urge.value: urge,
    MessageKind.completed.value: confirmed,
    MessageKind.reported.value: confirmed,
    MessageKind.accepted.value: reviewed,
    MessageKind.returned.value: reviewed,
    MessageKind.ext_request.value: extension_request,
    MessageKind.ext_approved.value: extension_answer,
    MessageKind.ext_declined.value: extension_answer,
    MessageKind.ext_decided.value: extension_decided,
}
assert set(RENDERERS) == {kind.value for kind in MessageKind}, "every kind of queued message has its renderer"
