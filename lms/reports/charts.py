"""Server-rendered SVG pictures of the reports, as shapes for templates/reports/_svg.html.

Every colour is a presentation attribute (``fill="..."``), never a style
attribute: the Content-Security-Policy allows no inline style. No picture relies
on colour alone: heat-map cells carry a letter explained by the legend, bars
carry their value. Each picture has a title and a text summary (``<desc>``), and
the table beside it on the page is its full text equivalent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lms.reports.progress import DONE, IN_PROGRESS, NOT_STARTED, ProgressMatrix

FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"
TEXT = "#1a1a1a"
MUTED = "#555555"
GRID = "#c8c8c8"
BAR = "#2b5d9b"

# State: (fill, letter, letter colour, legend text); contrast of letters >= 4.5:1.
STATE_STYLE = {
    DONE: ("#1f6f43", "D", "#ffffff", "D: done"),
    IN_PROGRESS: ("#f2c94c", "P", "#1a1a1a", "P: in progress"),
    NOT_STARTED: ("#ececec", "N", "#444444", "N: not started"),
}


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    fill: str
    stroke: str = "none"
    title: str = ""  # a tooltip, for people who point at it


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "start"
    fill: str = TEXT
    size: int = 12
    weight: str = "normal"


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    stroke: str = GRID
    dash: str = ""


@dataclass
class Svg:
    id: str
    width: float
    height: float
    title: str
    desc: str
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    font: str = FONT


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _percent(value: float | None) -> str:
    return "no score" if value is None else f"{round(value * 100)}%"


# -- the progress heat map ------------------------------------------------------------------

LABEL_W, CELL_W, CELL_H, HEAD_H = 200, 44, 24, 28


def heat_map(matrix: ProgressMatrix) -> Svg:
    """Learners of the page (rows) by modules (columns), a letter in every cell."""
    rows, modules = matrix.rows, matrix.modules
    grid_w = CELL_W * max(1, len(modules))
    legend_y = HEAD_H + CELL_H * len(rows) + 16
    svg = Svg(
        id="heatmap",
        width=LABEL_W + grid_w + 8,
        height=legend_y + 3 * 22 + 8,
        title=f"Progress of {len(rows)} learner{'' if len(rows) == 1 else 's'} by module",
        desc=heat_map_summary(matrix),
    )
    for module in modules:
        x = LABEL_W + (module.number - 1) * CELL_W + CELL_W / 2
        svg.texts.append(Text(x, HEAD_H - 10, f"M{module.number}", "middle", weight="bold"))
    for r, row in enumerate(rows):
        y = HEAD_H + r * CELL_H
        svg.texts.append(Text(LABEL_W - 8, y + CELL_H / 2 + 4, _short(row.name, 28), "end"))
        for module, cell in zip(modules, row.cells, strict=True):
            fill, letter, ink, _ = STATE_STYLE[cell.state]
            x = LABEL_W + (module.number - 1) * CELL_W
            best = (
                f", best quiz score {_percent(cell.best)}"
                if module.quiz_key and cell.best is not None
                else ""
            )
            svg.rects.append(
                Rect(
                    x,
                    y,
                    CELL_W,
                    CELL_H,
                    fill,
                    "#ffffff",
                    f"{row.name}, module {module.number} ({module.title}): {cell.state}{best}",
                )
            )
            svg.texts.append(Text(x + CELL_W / 2, y + CELL_H / 2 + 4, letter, "middle", ink))
    for i, state in enumerate((DONE, IN_PROGRESS, NOT_STARTED)):
        fill, letter, ink, label = STATE_STYLE[state]
        y = legend_y + i * 22
        svg.rects.append(Rect(8, y, 18, 18, fill, MUTED))
        svg.texts.append(Text(17, y + 13, letter, "middle", ink, 11))
        svg.texts.append(Text(34, y + 13, label))
    return svg


def heat_map_summary(matrix: ProgressMatrix) -> str:
    n = len(matrix.rows)
    if not n or not matrix.modules:
        return "No learners or no modules to show."
    parts = [
        f"module {s.module.number} ({s.module.title}): {s.done} of {n} done, "
        f"{s.in_progress} in progress, {s.not_started} not started"
        for s in matrix.summaries()
    ]
    return f"Learners on this page, {n}: " + "; ".join(parts) + "."


# -- the facility of each question ----------------------------------------------------------

BAR_LABEL_W, BAR_W, BAR_H, BAR_GAP = 48, 320, 20, 6


def facility_chart(items, too_hard: float, too_easy: float) -> Svg:
    """A horizontal bar per question: its facility, with the two flag thresholds."""
    top = 24
    height = top + len(items) * (BAR_H + BAR_GAP) + 24
    measured = [i for i in items if i.facility is not None]
    summary = "; ".join(f"Q{i.number} {i.facility:.2f}" for i in measured)
    svg = Svg(
        id="facility-chart",
        width=BAR_LABEL_W + BAR_W + 60,
        height=height,
        title="Facility of each question (0 to 1)",
        desc=(
            f"Facility (mean score) per question: {summary}. Dashed lines mark "
            f"{too_hard:.2f} (too hard below) and {too_easy:.2f} (too easy above)."
            if measured
            else "No submitted attempts yet."
        ),
    )
    bottom = height - 20
    for value in (0.0, 0.5, 1.0):
        x = BAR_LABEL_W + value * BAR_W
        svg.lines.append(Line(x, top - 4, x, bottom))
        svg.texts.append(Text(x, bottom + 14, f"{value:g}", "middle", MUTED, 11))
    for value in (too_hard, too_easy):
        x = BAR_LABEL_W + value * BAR_W
        svg.lines.append(Line(x, top - 8, x, bottom, MUTED, "4 3"))
        svg.texts.append(Text(x, top - 12, f"{value:.2f}", "middle", MUTED, 11))
    for index, item in enumerate(items):
        y = top + index * (BAR_H + BAR_GAP)
        svg.texts.append(Text(BAR_LABEL_W - 8, y + BAR_H / 2 + 4, f"Q{item.number}", "end"))
        if item.facility is None:
            svg.texts.append(Text(BAR_LABEL_W + 4, y + BAR_H / 2 + 4, "no answers", fill=MUTED))
            continue
        width = max(1.0, item.facility * BAR_W)
        svg.rects.append(
            Rect(BAR_LABEL_W, y, width, BAR_H, BAR, title=f"Q{item.number}: {item.facility:.2f}")
        )
        svg.texts.append(Text(BAR_LABEL_W + width + 4, y + BAR_H / 2 + 4, f"{item.facility:.2f}"))
    return svg


# -- the distribution of knowledge gains ------------------------------------------------------

HIST_LEFT, HIST_BAR_W, HIST_H, HIST_TOP = 40, 22, 160, 20


def gain_histogram(bins, n: int, mean_gain: float | None, median_gain: float | None) -> Svg:
    """A bar per bin of 10 points, from -100 to +100, with its count above it."""
    peak = max((b.count for b in bins), default=0) or 1
    width = HIST_LEFT + HIST_BAR_W * len(bins) + 16
    base = HIST_TOP + HIST_H
    if n:
        desc = (
            f"{n} learner{'' if n == 1 else 's'} with both tests; mean gain "
            f"{mean_gain:+.1f} points, median {median_gain:+.1f} points. "
            + "; ".join(f"{b.label}: {b.count}" for b in bins if b.count)
            + "."
        )
    else:
        desc = "No learner has submitted both the pre-test and the post-test yet."
    svg = Svg(
        id="gain-histogram",
        width=width,
        height=base + 44,
        title="Distribution of knowledge gains (percentage points)",
        desc=desc,
    )
    svg.lines.append(Line(HIST_LEFT, base, width - 16, base, MUTED))
    zero = HIST_LEFT + HIST_BAR_W * len(bins) / 2
    svg.lines.append(Line(zero, HIST_TOP - 10, zero, base, MUTED, "4 3"))
    for i, b in enumerate(bins):
        x = HIST_LEFT + i * HIST_BAR_W
        height = HIST_H * b.count / peak
        if b.count:
            svg.rects.append(
                Rect(
                    x + 1, base - height, HIST_BAR_W - 2, height, BAR, title=f"{b.label}: {b.count}"
                )
            )
            svg.texts.append(
                Text(x + HIST_BAR_W / 2, base - height - 4, str(b.count), "middle", size=10)
            )
        if i % 2 == 0:
            svg.texts.append(Text(x, base + 14, f"{b.low:g}", "middle", MUTED, 10))
    svg.texts.append(
        Text(HIST_LEFT + HIST_BAR_W * len(bins), base + 14, "100", "middle", MUTED, 10)
    )
    svg.texts.append(
        Text(
            width / 2,
            base + 34,
            "Gain in percentage points (post-test − pre-test)",
            "middle",
            MUTED,
            11,
        )
    )
    return svg
