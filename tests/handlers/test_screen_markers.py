"""One status marker for one status, whoever looks: a milestone over many units shows the grid's marker."""

from __future__ import annotations

from datetime import date

from bot.i18n import translator
from bot.progress import MilestoneProgress
from bot.status import Status
from handlers.render import milestone_progress_line
from handlers.reports import digest_line


def progress(**fields: object) -> MilestoneProgress:
    base = dict(milestone_id=1, code="M16", title="Đại hội", due_date=date(2020, 5, 15), total=10, done=0,
                reported=0, is_due=False)
    return MilestoneProgress(**{**base, **fields})  # type: ignore[arg-type]


def test_supervisor_views_and_digest_use_the_secretary_marker() -> None:
    t = translator("vi")
    for p, status in [(progress(due_soon=True), Status.due_soon), (progress(), Status.on_track),
                      (progress(is_due=True, late_units=["Huyện ủy Điện Biên"]), Status.overdue),
                      (progress(reported=2), Status.awaiting), (progress(done=10), Status.done_on_time)]:
        assert milestone_progress_line(t, p).startswith(f"{status.marker} <b>M16</b>")
        assert digest_line(t, p).startswith(f"{status.marker} <b>M16</b>")
