"""The arithmetic of the reports, as plain functions on lists of numbers.

Nothing here knows about quizzes or the database: the reports pass in item
scores (0..1, partial credit allowed) and attempt totals. Every function returns
None where a statistic is undefined (no data, a single value, zero variance)
rather than a number that would look meaningful.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Kelley's classic share for the upper and lower groups of the D index.
UPPER_LOWER_SHARE = 0.27


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def facility(item_scores: Sequence[float]) -> float | None:
    """The mean item score (0..1): the share correct when items score 0 or 1."""
    return mean(item_scores)


def group_size(n: int, share: float = UPPER_LOWER_SHARE) -> int:
    """How many attempts make the upper (and the lower) group of ``n``: 27 %,
    rounded half up, at least one, and never more than half, so the groups never
    overlap."""
    return min(n // 2, max(1, math.floor(share * n + 0.5)))


def upper_lower_index(
    item_scores: Sequence[float],
    total_scores: Sequence[float],
    share: float = UPPER_LOWER_SHARE,
) -> float | None:
    """D = facility(upper group) - facility(lower group).

    The attempts are ranked by their total score; the upper group is the top
    ``share`` of them and the lower group the bottom ``share`` (``group_size``
    attempts each). When the total at a group's boundary is shared by more
    attempts than the group has places left, those tied attempts share the
    places pro rata: each counts with the weight places / tied, so they add
    their mean item score times the places left. D then does not depend on the
    order of the attempts (it is the mean of D over every way of breaking the
    ties). None with fewer than two attempts.
    """
    n = len(item_scores)
    if n != len(total_scores):
        raise ValueError("item_scores and total_scores differ in length")
    if n < 2:
        return None
    size = group_size(n, share)
    pairs = [(_tie_key(t), float(x)) for x, t in zip(item_scores, total_scores, strict=True)]
    upper = _group_mean(pairs, size, top=True)
    lower = _group_mean(pairs, size, top=False)
    return upper - lower


def _tie_key(total: float) -> float:
    """Totals equal but for floating-point noise (0.1 + 0.2 and 0.3) count as tied."""
    return round(float(total), 9)


def _group_mean(pairs: list[tuple[float, float]], size: int, *, top: bool) -> float:
    """The mean item score of the ``size`` attempts with the highest (``top``) or
    the lowest totals, attempts tied at the boundary total sharing its places."""
    ranked = sorted(pairs, key=lambda pair: pair[0], reverse=top)
    boundary = ranked[size - 1][0]
    inside = [x for total, x in pairs if (total > boundary if top else total < boundary)]
    tied = [x for total, x in pairs if total == boundary]
    places = size - len(inside)
    return (math.fsum(inside) + places * math.fsum(tied) / len(tied)) / size


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation; None with fewer than two pairs or zero variance."""
    n = len(xs)
    if n != len(ys):
        raise ValueError("xs and ys differ in length")
    if n < 2:
        return None
    mx, my = math.fsum(xs) / n, math.fsum(ys) / n
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    # Sums of squares of a constant can come out as 1e-33 instead of 0.
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def point_biserial(
    item_scores: Sequence[float], total_scores: Sequence[float], *, corrected: bool = True
) -> float | None:
    """The correlation between an item's score and the test score.

    ``corrected`` (the default) correlates with the rest of the test, the total
    minus this item, so that an item is not correlated with itself (which
    inflates the value, most of all on short quizzes). For items scored 0 or 1
    this is the point-biserial correlation; with partial credit it is the same
    Pearson correlation (the "item-rest correlation").
    """
    if corrected:
        rest = [t - x for x, t in zip(item_scores, total_scores, strict=True)]
        return pearson(item_scores, rest)
    return pearson(item_scores, total_scores)


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    last: bool = False  # the last bin includes its upper bound

    @property
    def label(self) -> str:
        closing = "]" if self.last else ")"
        return f"[{self.low:g}, {self.high:g}{closing}"


def histogram_bins(values: Sequence[float], low: float, high: float, width: float) -> list[Bin]:
    """Counts in bins [low, low+width), ..., [high-width, high]; values outside
    [low, high] are clamped into the first or the last bin."""
    if width <= 0 or high <= low:
        raise ValueError("need width > 0 and high > low")
    count = math.ceil((high - low) / width - 1e-9)
    counts = [0] * count
    for value in values:
        index = math.floor((value - low) / width + 1e-9)
        counts[min(count - 1, max(0, index))] += 1
    return [
        Bin(low + i * width, min(high, low + (i + 1) * width), counts[i], last=i == count - 1)
        for i in range(count)
    ]
