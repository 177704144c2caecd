"""`nhacviec health` on the working calendar: during Tết nothing is expected to go out, so what was due after the
last working day's window closed is not a stall."""

from __future__ import annotations

from datetime import datetime

from bot.settings import Settings
from bot.workdays import DeclaredDay, WorkingCalendar
from scheduler.health import last_closed_window
from tests.conftest import VN


def test_the_last_window_that_closed_is_on_a_working_day() -> None:
    settings = Settings(_env_file=None, telegram_bot_token="1:x")
    # Tuesday 09/02/2027, mùng 4 Tết: the window last closed on Wednesday 03/02, before 29 Tết.
    def at(day: int, hour: int) -> datetime:
        return datetime(2027, 2, day, hour, 0, tzinfo=VN)

    assert last_closed_window(settings, at(9, 10)) == at(3, 21)
    assert last_closed_window(settings, at(11, 10)) == at(3, 21)
    assert last_closed_window(settings, at(11, 21)) == at(11, 21)
    # A declared make-up Saturday (a fixture) has a window of its own.
    worked = WorkingCalendar([DeclaredDay(datetime(2027, 4, 24).date(), working=True)])
    monday = datetime(2027, 4, 26, 9, 0, tzinfo=VN)
    assert last_closed_window(settings, monday, worked) == datetime(2027, 4, 24, 21, 0, tzinfo=VN)
    assert last_closed_window(settings, monday) == datetime(2027, 4, 23, 21, 0, tzinfo=VN)
