"""The report's chart (PNG): per milestone, stacked bars of the statuses; per unit, a completion ranking.

matplotlib's object API with the Agg canvas (no pyplot, no display, safe in a worker thread), DejaVu Sans
(shipped with matplotlib; it has the Vietnamese glyphs).
"""

from __future__ import annotations

from io import BytesIO

import matplotlib

matplotlib.use("Agg")

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from bot.i18n import Translator  # noqa: E402
from bot.reports.data import ReportData  # noqa: E402
from bot.reports.workbook import STATUS_FILLS, status_text  # noqa: E402
from bot.status import Status  # noqa: E402

FONT = "DejaVu Sans"
# Bottom to top of each bar: finished first, then what is still open, the worst last.
STACK_ORDER = (Status.done_on_time, Status.done_late, Status.awaiting, Status.on_track, Status.due_soon,
               Status.overdue)
RANKING_LIMIT = 40  # more units than this: the best and the worst half of it


def colour(status: Status) -> str:
    return "#" + STATUS_FILLS[status][2:]


def milestone_counts(data: ReportData) -> list[tuple[str, dict[Status, int]]]:
    counts: dict[int, dict[Status, int]] = {p.milestone_id: {s: 0 for s in Status} for p in data.milestones}
    for (_unit_id, milestone_id), cell in data.cells.items():
        counts[milestone_id][cell.status] += 1
    # Where plans are mixed, each bar names its plan too (two plans may both have an M01).
    return [((f"{data.plan_of(p)} · " if data.plan_of(p) else "") + p.code, counts[p.milestone_id])
            for p in data.milestones]


def ranking(data: ReportData, limit: int = RANKING_LIMIT) -> tuple[list[tuple[str, float]], bool]:
    """(unit code, completion) best first; cut to the best and worst `limit // 2` when there are more."""
    ranked = sorted(((u.code, done / total) for u, done, total in data.unit_rates()),
                    key=lambda pair: (-pair[1], pair[0]))
    if len(ranked) <= limit:
        return ranked, False
    return ranked[: limit // 2] + ranked[-(limit // 2):], True


def chart_title(data: ReportData, t: Translator) -> str:
    """"Tiến độ của Tỉnh ủy Điện Biên", naming the plan (or the plans mixed) where several are active."""
    title = t.gettext("Progress of {unit}").format(unit=data.root.name)
    plans = data.plan_name or ", ".join(dict.fromkeys(data.plan_of(p) for p in data.milestones if data.plan_of(p)))
    return f"{title} · {plans}" if plans else title


def chart_png(data: ReportData, t: Translator, *, dpi: int = 110) -> bytes:
    _ = t.gettext
    per_milestone = milestone_counts(data)
    ranked, cut = ranking(data)
    rows = max(len(per_milestone), len(ranked), 8)
    figure = Figure(figsize=(13, 2.2 + 0.28 * rows), dpi=dpi)
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
    figure.suptitle(chart_title(data, t), fontfamily=FONT, fontsize=14)

    labels = [code for code, _counts in per_milestone]
    positions = list(range(len(labels)))
    base = [0] * len(labels)
    for status in STACK_ORDER:
        values = [counts[status] for _code, counts in per_milestone]
        left.barh(positions, values, left=base, color=colour(status), edgecolor="#606060", linewidth=0.4,
                  label=status_text(t, status))
        base = [b + v for b, v in zip(base, values)]
    left.set_yticks(positions, labels, fontfamily=FONT)
    left.set_xlim(0, max(base + [1]) * 1.05)
    left.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.invert_yaxis()
    left.set_xlabel(_("Units"), fontfamily=FONT)
    left.set_title(_("Status by milestone"), fontfamily=FONT)
    left.legend(loc="lower center", bbox_to_anchor=(0.5, 1.04), ncol=3, fontsize=8, frameon=False,
                prop={"family": FONT, "size": 8})

    names = [code for code, _ratio in ranked]
    ratios = [ratio * 100 for _code, ratio in ranked]
    spots = list(range(len(names)))
    right.barh(spots, ratios, color=[colour(Status.done_on_time) if r >= 100 else
                                     colour(Status.overdue) if r == 0 else colour(Status.on_track) for r in ratios],
               edgecolor="#606060", linewidth=0.4)
    right.set_yticks(spots, names, fontfamily=FONT, fontsize=8)
    right.invert_yaxis()
    right.set_xlim(0, 100)
    right.set_xlabel(_("Completed (%)"), fontfamily=FONT)
    title = _("Units ranked by completion")
    if cut:
        title += "\n" + _("(best and worst {n})").format(n=RANKING_LIMIT // 2)
    right.set_title(title, fontfamily=FONT)
    for spot, ratio in zip(spots, ratios):
        right.text(min(ratio + 1, 88), spot, f"{ratio:.0f}%", va="center", fontsize=7, fontfamily=FONT)
    for axis in (left, right):
        for tick in axis.get_xticklabels():
            tick.set_fontfamily(FONT)
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
