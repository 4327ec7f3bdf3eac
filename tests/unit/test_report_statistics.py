"""The arithmetic of the reports (lms/reports/statistics.py), checked against values
worked out by hand in the comments (issue #6: "facility and discrimination checked
against hand-computed values")."""

from __future__ import annotations

import math

import pytest

from lms.reports import statistics as st

# Ten attempts at a quiz. ITEM is one question scored 0/1; TOTAL is each attempt's
# total, this question included.
ITEM = [1, 0, 1, 0, 1, 0, 1, 1, 0, 0]
TOTAL = [9, 8, 8, 7, 6, 5, 4, 4, 3, 2]


def test_facility_is_the_mean_item_score():
    # 5 right of 10.
    assert st.facility(ITEM) == 0.5
    # Partial credit counts as given: (1 + .5 + .5 + 0 + 1 + 0) / 6 = 3 / 6.
    assert st.facility([1, 0.5, 0.5, 0, 1, 0]) == 0.5
    assert st.facility([1, 1, 1, 0]) == 0.75


def test_group_size_is_27_percent_rounded_half_up_and_never_overlapping():
    # 0.27 * 10 = 2.7 -> 3; 0.27 * 100 = 27; 0.27 * 6 = 1.62 -> 2; 0.27 * 2 = 0.54 -> 1.
    assert [st.group_size(n) for n in (2, 3, 6, 10, 100)] == [1, 1, 2, 3, 27]
    assert st.group_size(4) == 1  # 1.08 -> 1
    assert st.group_size(11) == 3  # 2.97 -> 3


def test_upper_lower_index_by_hand():
    # Ranked by total:
    #   idx 9 (2), 8 (3), 6 and 7 (4), 5 (5), 4 (6), 3 (7), 1 and 2 (8), 0 (9).
    # Groups of 3: lower = idx 9, 8 (items 0, 0) and one of the two places at
    # total 4, shared by idx 6 and 7 (items 1, 1: mean 1) -> (0 + 0 + 1) / 3 = 1/3;
    # upper = idx 0 (item 1) and idx 1, 2 (total 8, both in) -> (1 + 0 + 1) / 3 = 2/3.
    # D = 2/3 - 1/3 = 1/3.
    assert st.upper_lower_index(ITEM, TOTAL) == pytest.approx(1 / 3)


def test_upper_lower_index_with_partial_credit_and_a_negative_item():
    # Six attempts; groups of 2 (0.27 * 6 = 1.62 -> 2).
    # Ranked: idx 5 (1), 4 (2), 3 (3), 2 (4), 1 (5), 0 (6).
    # lower = idx 5, 4 -> 1, 0.5 -> 0.75; upper = idx 1, 0 -> 0, 0.5 -> 0.25.
    # D = 0.25 - 0.75 = -0.5: the stronger attempts do worse on this question.
    item = [0.5, 0, 1, 0, 0.5, 1]
    total = [6, 5, 4, 3, 2, 1]
    assert st.upper_lower_index(item, total) == pytest.approx(-0.5)


def test_upper_lower_index_shares_a_tied_boundary_pro_rata():
    # Ten attempts, groups of 3 (0.27 * 10 = 2.7 -> 3).
    # By total: idx 9 (2); idx 6, 7, 8 (4); idx 5 (5); idx 4 (6); idx 1, 2, 3 (8); idx 0 (9).
    # Lower group: idx 9 (item 0) and 2 of the 3 places of total 4, shared by
    # idx 6, 7, 8 (items 1, 0, 0; mean 1/3): (0 + 2 * 1/3) / 3 = 2/9.
    # Upper group: idx 0 (item 1) and 2 of the 3 places of total 8, shared by
    # idx 1, 2, 3 (items 1, 0, 0; mean 1/3): (1 + 2 * 1/3) / 3 = 5/9.
    # D = 5/9 - 2/9 = 1/3. (Breaking the ties by position would give
    # upper idx 2, 3, 0 -> 1/3 and lower idx 9, 6, 7 -> 1/3: D = 0.)
    item = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
    total = [9, 8, 8, 8, 6, 5, 4, 4, 4, 2]
    assert st.upper_lower_index(item, total) == pytest.approx(1 / 3)


def test_upper_lower_index_does_not_depend_on_the_order_of_tied_attempts():
    # Four attempts, groups of 1; the two best are tied at 3 with items 1 and 0,
    # so the upper group is half of each: 0.5. The lower group is idx 3 (item 0).
    # D = 0.5 - 0 = 0.5 in either order (by position it was 0 one way, 1 the other).
    assert st.upper_lower_index([1, 0, 0, 0], [3, 3, 1, 0]) == pytest.approx(0.5)
    assert st.upper_lower_index([0, 1, 0, 0], [3, 3, 1, 0]) == pytest.approx(0.5)
    # Every attempt with the same total: both groups are the mean item score, D = 0.
    assert st.upper_lower_index([1, 0, 1, 0, 0], [2, 2, 2, 2, 2]) == pytest.approx(0.0)


def test_upper_lower_index_is_the_mean_over_every_order_of_the_ties():
    # The pro-rata share is what breaking the ties at random gives on average.
    # Seven attempts, groups of 2 (0.27 * 7 = 1.89 -> 2). By total:
    #   idx 2 (0; item 0.5); idx 0, 1 (1; items 1, 0); idx 6 (2; item 0);
    #   idx 3, 4 (3; items 1, 0); idx 5 (4; item 1).
    # Lower: idx 2 and one place at total 1 shared by idx 0, 1 (mean 0.5):
    #   (0.5 + 0.5) / 2 = 0.5.
    # Upper: idx 5 and one place at total 3 shared by idx 3, 4 (mean 0.5):
    #   (1 + 0.5) / 2 = 0.75.
    # D = 0.75 - 0.5 = 0.25; checked against all 7! orders broken by position.
    import itertools

    item = [1, 0, 0.5, 1, 0, 1, 0]
    total = [1, 1, 0, 3, 3, 4, 2]

    def by_position(order):
        size = st.group_size(len(order))
        ranked = sorted(order, key=lambda i: total[i])
        upper = sum(item[i] for i in ranked[-size:]) / size
        lower = sum(item[i] for i in ranked[:size]) / size
        return upper - lower

    orders = list(itertools.permutations(range(len(item))))
    results = {by_position(order) for order in orders}
    assert len(results) > 1  # by position, the answer depends on the order
    average = sum(by_position(order) for order in orders) / len(orders)
    assert average == pytest.approx(0.25)
    assert st.upper_lower_index(item, total) == pytest.approx(0.25)
    reordered = [6, 5, 4, 3, 2, 1, 0]
    assert st.upper_lower_index(
        [item[i] for i in reordered], [total[i] for i in reordered]
    ) == pytest.approx(0.25)


def test_corrected_point_biserial_by_hand():
    # Rest of the test = total - item = [8, 8, 7, 7, 5, 5, 3, 3, 3, 2], mean 5.1.
    # Item deviations: +/-0.5. Rest deviations:
    #   2.9, 2.9, 1.9, 1.9, -0.1, -0.1, -2.1, -2.1, -2.1, -3.1.
    # Sxy = 1.45 - 1.45 + .95 - .95 - .05 + .05 - 1.05 - 1.05 + 1.05 + 1.55 = 0.5
    # Sxx = 10 * 0.25 = 2.5
    # Syy = 2 * 8.41 + 2 * 3.61 + 2 * 0.01 + 3 * 4.41 + 9.61 = 46.9
    # r = 0.5 / sqrt(2.5 * 46.9) = 0.5 / sqrt(117.25) = 0.046176...
    assert st.point_biserial(ITEM, TOTAL) == pytest.approx(0.5 / math.sqrt(117.25))
    assert st.point_biserial(ITEM, TOTAL) == pytest.approx(0.046176, abs=1e-6)


def test_uncorrected_point_biserial_is_higher_because_the_item_counts_itself():
    # Against the total (mean 5.6): Sxy = 0.5 * 6.0 = 3.0, Syy = 50.4,
    # r = 3 / sqrt(2.5 * 50.4) = 3 / sqrt(126) = 0.267261...
    r = st.point_biserial(ITEM, TOTAL, corrected=False)
    assert r == pytest.approx(3 / math.sqrt(126))
    assert r > st.point_biserial(ITEM, TOTAL)


def test_point_biserial_of_a_perfectly_discriminating_item():
    # Item right exactly when the rest is high: rest = [2, 2, 0, 0], item = [1, 1, 0, 0].
    # Deviations: item +/-0.5, rest +/-1: Sxy = 4 * 0.5 = 2, Sxx = 1, Syy = 4, r = 1.
    item = [1, 1, 0, 0]
    total = [3, 3, 0, 0]
    assert st.point_biserial(item, total) == pytest.approx(1.0)
    # And its mirror image: r = -1.
    assert st.point_biserial([0, 0, 1, 1], [2, 2, 1, 1]) == pytest.approx(-1.0)


def test_pearson_by_hand():
    # x = 1, 2, 3; y = 2, 4, 7: means 2 and 13/3; Sxy = (-1)(-7/3) + 0 + (1)(8/3) = 5;
    # Sxx = 2; Syy = 49/9 + 1/9 + 64/9 = 114/9; r = 5 / sqrt(2 * 114 / 9) = 0.993399...
    assert st.pearson([1, 2, 3], [2, 4, 7]) == pytest.approx(5 / math.sqrt(228 / 9))


@pytest.mark.parametrize(
    ("item", "total"),
    [
        ([], []),  # no attempts
        ([1], [3]),  # one attempt
        ([1, 1, 1, 1], [4, 3, 2, 1]),  # everybody right: the item does not vary
        ([0, 0, 0], [0, 1, 2]),  # everybody wrong
        ([1, 0, 1, 0], [2, 1, 2, 1]),  # the rest of the test does not vary (all 1)
    ],
)
def test_point_biserial_is_none_where_undefined(item, total):
    assert st.point_biserial(item, total) is None


def test_edge_cases_of_an_empty_list():
    assert st.facility([]) is None
    assert st.mean([]) is None
    assert st.median([]) is None
    assert st.upper_lower_index([], []) is None
    assert st.upper_lower_index([1], [1]) is None  # one attempt: no two groups


def test_upper_lower_index_of_an_item_everybody_got_right_is_zero():
    assert st.upper_lower_index([1, 1, 1, 1], [4, 3, 2, 1]) == 0.0


def test_lengths_must_match():
    with pytest.raises(ValueError, match="differ"):
        st.upper_lower_index([1, 0], [1])
    with pytest.raises(ValueError, match="differ"):
        st.pearson([1, 0], [1])


def test_mean_and_median():
    assert st.mean([1, 2, 3, 4]) == 2.5
    assert st.median([3, 1, 2]) == 2
    assert st.median([4, 1, 3, 2]) == 2.5
    assert st.median([-10.0]) == -10.0


def test_histogram_bins():
    bins = st.histogram_bins([-100, -5, 0, 5, 10, 99.9, 100], -100, 100, 10)
    assert len(bins) == 20
    assert (bins[0].low, bins[0].high, bins[-1].low, bins[-1].high) == (-100, -90, 90, 100)
    counts = {b.low: b.count for b in bins if b.count}
    # -100 in the first bin; -5 in [-10, 0); 0 and 5 in [0, 10); 10 in [10, 20);
    # 99.9 and 100 in the last bin, which includes its upper bound.
    assert counts == {-100: 1, -10: 1, 0: 2, 10: 1, 90: 2}
    assert sum(b.count for b in bins) == 7
    assert bins[-1].last and bins[-1].label == "[90, 100]"
    assert bins[0].label == "[-100, -90)"


def test_histogram_clamps_values_outside_the_range_and_refuses_a_bad_width():
    bins = st.histogram_bins([-150, 150], -100, 100, 50)
    assert [b.count for b in bins] == [1, 0, 0, 1]
    assert st.histogram_bins([], 0, 10, 5)[0].count == 0
    with pytest.raises(ValueError, match="width"):
        st.histogram_bins([1], 0, 10, 0)
