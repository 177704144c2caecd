"""`nhacviec health` on the working calendar: during Tết nothing is expected to go out, so what was due after the
last working day's window closed is not a stall."""

from __future__ import annotations

from datetime import datetime

from bot.health import last_closed_window
from bot.settings import Settings
from bot.workdays import DeclaredDay, WorkingCalendar
from tests.conftest import VN


def test_the_last_window_that_closed_is_on_a_working_day() -> None:
    settings = Settings(_env_file=None, telegram_bot_token="1:x")
    # Tuesday 09/02/2027, mùng 4 Tết: the window last closed on Wednesday 03/02, before 29 Tết.
    assert last_closed_window(settings, datetime(2027, 2, 9, 10, 0, tzinfo=VN)) == datetime(2027, 2, 3, 21, 0, tzinfo=VN)
    assert last_closed_window(settings, datetime(2027, 2, 11, 10, 0, tzinfo=VN)) == datetime(2027, 2, 3, 21, 0, tzinfo=VN)
    assert last_closed_window(settings, datetime(2027, 2, 11, 21, 0, tzinfo=VN)) == datetime(2027, 2, 11, 21, 0, tzinfo=VN)
    # A declared make-up Saturday (a fixture) has a window of its own.
    worked = WorkingCalendar([DeclaredDay(datetime(2027, 4, 24).date(), working=True)])
    monday = datetime(2027, 4, 26, 9, 0, tzinfo=VN)
    assert last_closed_window(settings, monday, worked) == datetime(2027, 4, 24, 21, 0, tzinfo=VN)
    assert last_closed_window(settings, monday) == datetime(2027, 4, 23, 21, 0, tzinfo=VN)
