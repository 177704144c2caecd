"""A milestone code typed in a command: which milestone it means, asking which plan when several have it.

Only the plans where the caller could act count (`allowed`): a code that two plans have but only one gives the
caller's unit is not a question. When the question must be asked, each plan is a button `pick:<action>:<milestone
id>` (handlers/plans.py): the press carries all it needs, nothing waits in memory, a restart loses nothing.
A command that came with text a button cannot carry (a note, a reason, a file) is not confirmed by a button:
the question names the plan-qualified command to send again instead (`/xong DB-BC-2020:M03 note`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from bot.models import Milestone
from bot.plan_views import labels_of, milestone_choices, view_labels
from handlers.common import Request, not_found, reply
from handlers.keyboards import pick_keyboard
from handlers.render import pick_text


async def choose_milestone(update: Update, req: Request, text: str, *,
                           allowed: Callable[[Milestone], Awaitable[bool]], action: str | None = None,
                           command: tuple[str, str] | None = None) -> Milestone | None:
    """The one milestone `text` means for this caller; else None, once the caller has been answered (not found,
    or which plan?). The question has a button per plan for `action` (a pick: action), or, with `command`
    ("/xong", "the note": the command carried more than a button can), the command to send again."""
    choices = [(milestone, plan) for milestone, plan in await milestone_choices(session=req.session, text=text)
               if await allowed(milestone)]
    if not choices:
        await reply(update, not_found(req.t))
        return None
    if len(choices) == 1:
        return choices[0][0]
    labels = await view_labels(session=req.session) or labels_of([plan for _milestone, plan in choices])
    code = choices[0][0].code
    plans = [(plan, labels.get(plan.id, plan.code)) for _milestone, plan in choices]  # type: ignore[arg-type]  # a stored row: its id is set
    keyboard = None if command or action is None else pick_keyboard(
        [(label, action, milestone.id)  # type: ignore[misc]  # a stored row: its id is set
         for (milestone, _plan), (_p, label) in zip(choices, plans, strict=True)])
    await reply(update, pick_text(req.t, code, plans, command), reply_markup=keyboard)
    return None
