"""The HTML texts of plan intake in chat, each within one Telegram message. No Telegram calls.

Telegram refuses a message over 4,096 characters, or with a tag or entity cut in two, and the admin then gets
only "Sorry": every text here is built from lines that are valid HTML each on its own, and as many whole lines
are sent as fit, then how many were left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from bot.i18n import Translator
from bot.intake import Draft
from handlers.render import MESSAGE_LIMIT, paginate, short

SHOWN_ITEMS = 5
LINE_CHARS = 600  # one problem or report line, cut before it is escaped (so never inside an entity)
MORE_LINE_ROOM = 40  # for "… và 1234 dòng nữa"


def fitted(lines: Sequence[str], t: Translator, limit: int = MESSAGE_LIMIT) -> str:
    """The first lines that fit in one message, then "… and N more lines". Each line must be valid HTML on its
    own and shorter than `limit - MORE_LINE_ROOM` (plain_lines and short() see to it)."""
    lines = [part for line in lines for part in line.split("\n")]
    page = paginate(lines, budget=limit - MORE_LINE_ROOM)[0]
    left = len(lines) - (page.count("\n") + 1)  # paginate keeps whole lines, joined by "\n"
    if left <= 0:
        return page
    return page + "\n" + t.ngettext("… and {n} more line", "… and {n} more lines", left).format(n=left)


def plain_lines(texts: Iterable[str]) -> list[str]:
    """Plain text as HTML lines, each cut to LINE_CHARS first."""
    lines = [part for text in texts for part in text.split("\n")]
    return [escape(line if len(line) <= LINE_CHARS else line[: LINE_CHARS - 1] + "…") for line in lines]


def problems_text(header: str, problems: Sequence[str], t: Translator) -> str:
    return fitted([escape(header), *plain_lines(problems)], t)


def summary_text(draft: Draft, name: str, t: Translator, *, problems: Sequence[str] = (),
                 importable: bool = False) -> str:
    """The draft's first milestones (date, lead units), then whether 📥 can import it as it stands, or what to fix
    in the sheet, row by row (`problems`: bot.intake.sheet_read's, in the sheet's words, not a plan file's)."""
    _ = t.gettext
    phases = {phase.code: phase for phase in draft.phases}
    lines = [_("📄 Draft from {name}: {count} milestones.").format(name=f"<b>{escape(short(name, 200))}</b>",
                                                                     count=len(draft.milestones))]
    for milestone in draft.milestones[:SHOWN_ITEMS]:
        due = milestone.due or (phases[milestone.phase].end if milestone.phase in phases else None)
        when = t.date(due) if due else "?"
        units = ", ".join(r.selector if isinstance(r.selector, str) else r.selector[1] for r in milestone.units) or "?"
        lines.append(f"• <b>{escape(short(milestone.code, 60))}</b> {escape(short(milestone.title, 300))} — "
                     f"{escape(when)} — {escape(short(units, 300))}")
    if len(draft.milestones) > SHOWN_ITEMS:
        lines.append(_("… and {count} more").format(count=len(draft.milestones) - SHOWN_ITEMS))
    lines.append("")
    if importable:
        lines.append(escape(_("✅ It can be imported as it stands: press 📥 Import, or edit the sheet and send it "
                              "back.")))
    else:
        review = draft.unresolved
        if review:
            lines.append(escape(_("⚠️ {count} milestones need review (units not found or dates wrong).")
                                .format(count=len(review))))
        lines.append(escape(_("To import it, fix these in the sheet and send it back:")))
    lines += [f"• {line}" for line in plain_lines(problems)]
    return fitted(lines, t)


def import_failed_text(error: BaseException, t: Translator) -> str:
    _ = t.gettext
    return escape(_("⚠️ The import failed ({error}): nothing was changed. The draft is kept: press 📥 Import to try "
                    "again, or ✖️ Cancel.").format(error=short(type(error).__name__, 60)))
