"""A day typed in a chat command (`/giahan M03 30/6/2020 …`, `/xong M03 25/9/2019 …`): day/month/year only.

The plan files' reader (bot.plans.dates) does the checking, so an impossible day (31/02/2020) or a year outside
the plans' bounds is refused with the same translated message a plan file gets.
"""

from __future__ import annotations

import re
from datetime import date

from bot.i18n import N_, Translator
from bot.plans.dates import parse_start_day
from bot.plans.problems import PlanValueError

_DAY = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}")


class TypedDateError(ValueError):
    def __init__(self, error: PlanValueError) -> None:
        super().__init__(str(error))
        self.error = error

    def render(self, t: Translator) -> str:
        text = self.error.message.render(t)
        return text[:1].upper() + text[1:]


def looks_like_date(word: str) -> bool:
    """Written as a day (15/05/2020, 15-5-2020, 15.5.2020), whether or not that day exists."""
    return _DAY.fullmatch(word) is not None


def parse_typed_date(word: str) -> date:
    """The day `word` writes; TypedDateError (with a message for the user) when it is not one."""
    try:
        if not looks_like_date(word):  # not "tháng 6/2020" nor an ISO date: people type days as they write them
            raise PlanValueError(N_('"{value}" is not a date: write day/month/year, e.g. 15/05/2020'), value=word)
        return parse_start_day(word)
    except PlanValueError as error:
        raise TypedDateError(error) from error
