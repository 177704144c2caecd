"""Reports built in memory (no database) for the layout tests: any number of milestones and units, long names."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.models import Unit
from bot.progress import MilestoneProgress, Rates
from bot.reports.data import Cell, MilestoneSummary, ReportData, UnitRow
from bot.status import Status
from tests.conftest import VN

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=VN)
TITLE = "Hội nghị cán bộ cấp tỉnh triển khai, quán triệt Chỉ thị 35 và các văn bản hướng dẫn của Trung ương"


def report_of(milestones: int, units: int, *, status: Status = Status.overdue, title: str = TITLE,
              unit_name: str = "Huyện ủy Mường Nhé", root_name: str = "Tỉnh ủy Điện Biên") -> ReportData:
    """Every unit assigned every milestone, all in `status`; milestone i overdue by i days (M01 the least late)."""
    rows = [UnitRow(unit_id=u, code=f"HU-DONVI{u:02d}", name=f"{unit_name} {u}", depth=1) for u in range(1, units + 1)]
    summaries, cells = [], {}
    done = status in (Status.done_on_time, Status.done_late)
    for m in range(1, milestones + 1):
        progress = MilestoneProgress(milestone_id=m, code=f"M{m:02d}", title=f"{title} ({m})",
                                     due_date=date(2020, 5, 12) - timedelta(days=m), total=units,
                                     done=units if done else 0, reported=0, is_due=True,
                                     late_units=[] if done else [r.name for r in rows], plan_id=1)
        summaries.append(MilestoneSummary(progress=progress, phase=None))
        for row in rows:
            cells[(row.unit_id, m)] = Cell(assignment_id=m * 1000 + row.unit_id, status=status, days_left=-m,
                                           reported_at=None, reported_by=None,
                                           confirmed_at=NOW if done else None,
                                           confirmed_by="Nguyễn Thị Lan" if done else None)
    total = milestones * units
    return ReportData(root=Unit(id=1, code="TU", name=root_name), now=NOW, summaries=summaries,
                      rates=Rates(total=total, done=total if done else 0, due_total=total,
                                  due_done=total if done else 0),
                      units=rows, cells=cells)
