"""The report's chart (PNG), made to be read on a phone: 1280 px wide, two panels one above the other, each at
most ROW_LIMIT rows, the worst first ("và N mốc khác" for the rest), named by title and unit name.

Top: per milestone, the units assigned stacked by status. Bottom: per unit, its items stacked by status as shares of
100 %, with its completion beside the bar (a full bar even at 0 %: the panel is never empty). One legend, under the
title, for both; the constrained layout keeps the title, the legend and the panels apart however many rows there
are. matplotlib's object API with the Agg canvas (no pyplot, no display, safe in a worker thread), DejaVu Sans
(shipped with matplotlib; it has the Vietnamese glyphs).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from io import BytesIO

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.i18n import Translator
from bot.reports.data import ReportData
from bot.reports.workbook import STATUS_FILLS, status_text
from bot.status import Status

FONT = "DejaVu Sans"
DPI = 100
WIDTH_PX = 1280  # a phone shows it full width; zoomed, the labels stay sharp
ROW_LIMIT = 20  # rows per panel: the worst ones, then "and N more"
LABEL_CHARS = 40  # a row's label: a milestone's short title, a unit's name
ROW_INCHES = 0.46
FONT_SIZE = 16
# Left to right along each bar: finished first, then what is still open, the worst last.
STACK_ORDER = (Status.done_on_time, Status.done_late, Status.awaiting, Status.on_track, Status.due_soon,
               Status.overdue)
DONE = (Status.done_on_time, Status.done_late)


@dataclass(frozen=True)
class Row:
    label: str
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.counts[s] for s in DONE)

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0


def colour(status: Status) -> str:
    return "#" + STATUS_FILLS[status][2:]


def shorten(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(",;:.-– ") + "…"


def worst_first(rows: list[Row]) -> list[Row]:
    """Most items overdue first, then the most due soon, then the least finished (ties keep the plan's order)."""
    return sorted(rows, key=lambda r: (-r.counts[Status.overdue], -r.counts[Status.due_soon], r.ratio))


def milestone_rows(data: ReportData) -> list[Row]:
    """One row per milestone, named by its short title then its code (and its plan where plans are mixed)."""
    counts: dict[int, dict[Status, int]] = {p.milestone_id: {s: 0 for s in Status} for p in data.milestones}
    for (_unit_id, milestone_id), cell in data.cells.items():
        counts[milestone_id][cell.status] += 1
    rows = []
    for p in data.milestones:
        tail = f" · {data.plan_of(p)}:{p.code}" if data.plan_of(p) else f" · {p.code}"
        rows.append(Row(shorten(p.title, LABEL_CHARS - len(tail)) + tail, counts[p.milestone_id]))
    return rows


def unit_rows(data: ReportData) -> list[Row]:
    """One row per unit with items, by its (short) name."""
    counts: dict[int, dict[Status, int]] = {}
    for (unit_id, _milestone_id), cell in data.cells.items():
        counts.setdefault(unit_id, {s: 0 for s in Status})[cell.status] += 1
    return [Row(shorten(u.name), counts[u.unit_id]) for u in data.units if u.unit_id in counts]


def ranking(data: ReportData, limit: int = ROW_LIMIT) -> tuple[list[Row], int]:
    """The units by completion, lowest first (of equals, the most overdue first), at most `limit`, and how many
    more there are."""
    ranked = sorted(unit_rows(data), key=lambda r: (r.ratio, -r.counts[Status.overdue], -r.counts[Status.due_soon]))
    return ranked[:limit], max(0, len(ranked) - limit)


def chart_title(data: ReportData, t: Translator) -> str:
    """"Tiến độ của Tỉnh ủy Điện Biên", naming the plan (or the plans mixed) where several are active."""
    title = t.gettext("Progress of {unit}").format(unit=data.root.name)
    plans = data.plan_name or ", ".join(dict.fromkeys(data.plan_of(p) for p in data.milestones if data.plan_of(p)))
    return f"{title} · {plans}" if plans else title


def _panel(axis: Axes, rows: list[Row], more: str | None, *, shares: bool) -> None:
    """Stacked bars, one per row, top to bottom; `more` ("và 8 mốc khác") as a last, bar-less row. With `shares`,
    each bar is its row's items as percentages (a full bar whatever the progress) and says its completion."""
    labels = [r.label for r in rows] + ([more] if more else [])
    positions = list(range(len(labels)))
    base = [0.0] * len(rows)
    for status in STACK_ORDER:
        values = [(100 * r.counts[status] / r.total if r.total else 0.0) if shares else r.counts[status]
                  for r in rows]
        axis.barh(positions[: len(rows)], values, left=base, color=colour(status), edgecolor="#606060",
                  linewidth=0.5, height=0.72)
        base = [b + v for b, v in zip(base, values, strict=True)]
    axis.set_yticks(positions, labels, fontfamily=FONT, fontsize=FONT_SIZE)
    if more:
        axis.get_yticklabels()[-1].set_fontstyle("italic")
    axis.set_ylim(max(len(labels), 1) - 0.5, -0.5)  # the first row on top (one empty row when none)
    axis.tick_params(axis="x", labelsize=FONT_SIZE - 2)
    for tick in axis.get_xticklabels():
        tick.set_fontfamily(FONT)
    if shares:
        axis.set_xlim(0, 100)
        # Each unit's completion right of its bar, as the tick labels of a twin axis: the layout makes room for them.
        right = axis.twinx()
        right.set_ylim(axis.get_ylim())
        right.set_yticks(positions[: len(rows)], [f"{row.ratio * 100:.0f}%" for row in rows], fontfamily=FONT,
                         fontsize=FONT_SIZE)
        right.tick_params(axis="y", length=0, pad=6)
        right.spines[["top", "right"]].set_visible(False)
    else:
        axis.set_xlim(0, max([*base, 1.0]) * 1.04)
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
    axis.spines[["top", "right"]].set_visible(False)


def chart_figure(data: ReportData, t: Translator) -> Figure:
    _ = t.gettext
    milestones = worst_first(milestone_rows(data))
    units, units_more = ranking(data)
    shown, milestones_more = milestones[:ROW_LIMIT], max(0, len(milestones) - ROW_LIMIT)
    more_m = (t.ngettext("and {n} more milestone", "and {n} more milestones", milestones_more)
              .format(n=milestones_more) if milestones_more else None)
    more_u = (t.ngettext("and {n} more unit", "and {n} more units", units_more).format(n=units_more)
              if units_more else None)
    top_rows = max(len(shown) + bool(more_m), 1)
    bottom_rows = max(len(units) + bool(more_u), 1)
    title = textwrap.wrap(chart_title(data, t), 56)
    # The title and the legend get a band of their own above the panels: they can never overlap each other or
    # the panels, however many rows there are.
    head = 0.2 + 0.45 * len(title) + 1.0  # inches: margin, the title's lines, the legend's two rows
    body = 2 * 1.25 + ROW_INCHES * (top_rows + bottom_rows)
    figure = Figure(figsize=(WIDTH_PX / DPI, head + body), dpi=DPI, layout=ConstrainedLayoutEngine(h_pad=0.15))
    FigureCanvasAgg(figure)
    (header,), (panels,) = figure.subfigures(2, 1, squeeze=False, height_ratios=[head, body])
    header.text(0.5, 1 - 0.2 / head, "\n".join(title), ha="center", va="top", fontfamily=FONT,
                fontsize=FONT_SIZE + 6, fontweight="bold")
    handles = [Patch(facecolor=colour(s), edgecolor="#606060", label=status_text(t, s)) for s in STACK_ORDER]
    header.legend(handles=handles, loc="lower center", ncol=3, frameon=False, prop={"family": FONT, "size": FONT_SIZE})
    top, bottom = panels.subplots(2, 1, height_ratios=[top_rows + 2.5, bottom_rows + 2.5])
    _panel(top, shown, more_m, shares=False)
    top.set_title(_("Status by milestone"), fontfamily=FONT, fontsize=FONT_SIZE + 2, loc="left")
    top.set_xlabel(_("Units"), fontfamily=FONT, fontsize=FONT_SIZE)
    _panel(bottom, units, more_u, shares=True)
    bottom.set_title(_("Units ranked by completion"), fontfamily=FONT, fontsize=FONT_SIZE + 2, loc="left")
    bottom.set_xlabel(_("Share of the unit's items (%)"), fontfamily=FONT, fontsize=FONT_SIZE)
    return figure


def chart_png(data: ReportData, t: Translator) -> bytes:
    buffer = BytesIO()
    chart_figure(data, t).savefig(buffer, format="png")
    return buffer.getvalue()
