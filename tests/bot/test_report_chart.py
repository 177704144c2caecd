"""The /baocao chart on a phone: 1280 px wide, rows named by title and unit name, at most twenty rows a panel (the
worst first, "và N mốc khác"), the title clear of the legend however many milestones, and bars even at 0 %."""

from __future__ import annotations

from io import BytesIO

from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from PIL import Image

from bot.i18n import translator
from bot.reports.chart import FONT_SIZE, ROW_LIMIT, chart_figure, chart_png
from bot.status import Status
from tests.bot.report_samples import report_of
from tests.bot.test_report_workbook import known_state

VI = translator("vi")


def labels(axis: Axes) -> list[str]:
    return [tick.get_text() for tick in axis.get_yticklabels()]


def bar_rows(axis: Axes) -> dict[float, float]:
    """Each drawn row (its y) and the length of its bar, stacked parts added up."""
    rows: dict[float, float] = {}
    for patch in axis.patches:
        if isinstance(patch, Rectangle) and patch.get_width() > 0:
            y = round(patch.get_y() + patch.get_height() / 2, 3)
            rows[y] = rows.get(y, 0.0) + patch.get_width()
    return rows


def panels(figure):  # type: ignore[no-untyped-def]
    """The milestone panel, the unit panel, and the unit panel's twin (the completion beside each bar)."""
    top, bottom, twin = figure.subfigs[1].axes
    return top, bottom, twin


async def test_the_sample_chart_is_phone_sized_and_speaks_in_names(session_factory, clock) -> None:  # type: ignore[no-untyped-def]
    data = await known_state(session_factory, clock)
    image = Image.open(BytesIO(chart_png(data, VI)))
    assert image.width == 1280 and image.height > image.width  # a phone's portrait screen, read full width

    top, bottom, twin = panels(chart_figure(data, VI))
    rows, names = bar_rows(top), labels(top)
    assert len(rows) == ROW_LIMIT and names[-1] == "và 8 mốc khác" and len(names) == ROW_LIMIT + 1
    # Titles first, codes after them: "Duyệt báo cáo chính trị và nhân… · M15", never a bare "M15".
    assert any(name.startswith("Duyệt báo cáo chính trị") and name.endswith(" · M15") for name in names)
    assert all(" · M" in name for name in names[:-1])
    # The worst first: the milestones with the most units overdue lead.
    overdue = {p.code: len(p.late_units) for p in data.milestones}
    assert overdue[names[0].rsplit(" · ", 1)[1]] == max(overdue.values())
    units = labels(bottom)
    assert "Huyện ủy Mường Nhé" in units and not [u for u in units if u.startswith(("HU-", "DU-", "TB-"))]
    assert units[-1] == f"và {len(data.unit_rates()) - ROW_LIMIT} đơn vị khác"
    shown = [t.get_text() for t in twin.get_yticklabels()]
    assert len(shown) == ROW_LIMIT and shown[0] == "0%"  # the lowest completion first
    # Big enough to read on a phone once zoomed: 16 pt at 100 dpi.
    assert min(t.get_fontsize() for t in top.get_yticklabels() + bottom.get_yticklabels()) >= FONT_SIZE >= 14


def test_the_title_stays_clear_of_the_legend_at_55_milestones() -> None:
    figure = chart_figure(report_of(55, 30, status=Status.due_soon), VI)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    header = figure.subfigs[0]
    title, legend = header.texts[0].get_window_extent(renderer), header.legends[0].get_window_extent(renderer)
    assert title.y0 >= legend.y1  # the title above the legend, not over it
    top, bottom, twin = panels(figure)
    for axis in (top, bottom, twin):
        box = axis.get_tightbbox(renderer)  # with its title and tick labels
        assert not box.overlaps(legend) and not box.overlaps(title)
        assert 0 <= box.x0 and box.x1 <= figure.bbox.width  # nothing cut at the picture's edges
    assert len(bar_rows(top)) == ROW_LIMIT and labels(top)[-1] == "và 35 mốc khác"
    assert len(bar_rows(bottom)) == ROW_LIMIT and labels(bottom)[-1] == "và 10 đơn vị khác"


def test_nothing_done_still_draws_every_units_bar() -> None:
    """At 0 % everywhere the unit panel was empty: now each unit's bar shows its items by status, full length."""
    figure = chart_figure(report_of(6, 5, status=Status.on_track), VI)
    top, bottom, twin = panels(figure)
    assert sorted(bar_rows(bottom).values()) == [100.0] * 5
    assert [t.get_text() for t in twin.get_yticklabels()] == ["0%"] * 5
    assert all(patch.get_facecolor()[:3] != (1.0, 1.0, 1.0) for patch in bottom.patches if patch.get_width() > 0)
    assert len(bar_rows(top)) == 6
