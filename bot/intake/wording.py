"""What a draft tells the person who checks it — how a date was read, what is left to review — from the catalog.

A draft is a Vietnamese document whoever asked for it (its sheet's columns are read back by their Vietnamese titles,
and it quotes the document it came from), so these are rendered in Vietnamese. They speak of units and dates, not of
a plan file's keys or a sheet's columns: the same note stands in the YAML draft, in the sheet and in chat.
"""

from __future__ import annotations

from bot.i18n import N_, translator

# How a phrase that is not a day was read as one.
END_OF_PERIOD = N_("the due date is the last day of the period")
END_OF_QUARTER = N_("the due date is the last day of the quarter")
END_OF_MONTH = N_("the due date is the last day of the month")
END_OF_YEAR = N_("the due date is the last day of the year")
DAY_BEFORE = N_("due by the end of {day}")
READ_AS = N_("{phrase} → {how}")
YEAR_GUESSED = N_("the year {year} is a guess: check it")
NO_YEAR = N_('"{phrase}" has no year, and no heading or period says which year')
# What is left to review.
BAD_DATE = N_("date that does not exist: {error}")
UNKNOWN_UNIT = N_('unit "{name}" is not in the unit tree: write the code of the unit in charge')
NO_ACTOR = N_("the sentence names no unit in charge: write the unit in charge")
NO_ACTOR_MENTIONS = N_("the sentence names no unit in charge: write the unit in charge (it mentions: {names})")
TARGET_HELD = N_('"{phrase}" is the time of a target, and the sentence names no unit in charge: no due date was set; '
                'write one and the unit in charge if it is a task')
BEFORE_ISSUED = N_('"{phrase}" is before the document\'s own date ({day}): no due date was set; write one if it is a '
                   'task')
# A body as the document names it, with what to write for it.
MENTION = N_("{name} ({code})")
MENTION_GROUP = N_("{name} (group {code})")
MENTION_KIND = N_("{name} (kind {code})")


def vi(message: str, **params: object) -> str:
    return translator("vi").gettext(message).format(**params)


def mention(name: str, selector: str | tuple[str, str]) -> str:
    if isinstance(selector, str):
        return vi(MENTION, name=name, code=selector)
    how, code = selector
    return vi(MENTION_GROUP if how == "group" else MENTION_KIND, name=name, code=code)
