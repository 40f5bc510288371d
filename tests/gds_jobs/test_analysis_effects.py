"""Tests for small groups, effect sizes and multiple testing, each against an independent computation
(scipy, statsmodels or plain numpy written here, not the module's code path)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from gds_jobs.analysis.stats import (
    benjamini_hochberg,
    cliffs_delta,
    hodges_lehmann,
    holm,
    rank_test,
    summarise_groups,
)


def test_holm_matches_a_step_down_written_out_with_numpy():
    """Holm by its definition: sort, multiply the i-th smallest by (m - i + 1), running maximum, cap at 1."""
    rng = np.random.default_rng(5)
    p = rng.uniform(0, 0.2, 24)
    p[[3, 9]] = np.nan  # untested groups are not in the family
    finite = p[np.isfinite(p)]
    m = finite.size
    order = np.argsort(finite)
    expected_sorted = np.minimum(1, np.maximum.accumulate([(m - i) * finite[order][i] for i in range(m)]))
    expected = np.empty(m)
    expected[order] = expected_sorted
    got = holm(p)
    assert np.isnan(got[3]) and np.isnan(got[9])
    assert got[np.isfinite(p)] == pytest.approx(expected, rel=1e-12)
    # one value by hand: the smallest p times the family size
    i = int(np.nanargmin(p))
    assert got[i] == pytest.approx(min(1.0, 22 * p[i]))


def test_benjamini_hochberg_matches_scipy():
    rng = np.random.default_rng(6)
    p = rng.uniform(0, 0.3, 30)
    assert benjamini_hochberg(p) == pytest.approx(sps.false_discovery_control(p, method="bh"), rel=1e-12)


def test_holm_and_bh_match_statsmodels_multipletests():
    from statsmodels.stats.multitest import multipletests

    p = np.array([0.011, 0.0003, 0.35, 0.07, 0.049, 0.2, 0.0009])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1], rel=1e-12)
    assert benjamini_hochberg(p) == pytest.approx(multipletests(p, method="fdr_bh")[1], rel=1e-12)


def _cliff_brute(x, y, z=1.959963984540054):
    """Cliff's delta and its interval from the full dominance matrix (Cliff 1993), written out directly."""
    d = np.sign(np.subtract.outer(x, y))
    n1, n2 = d.shape
    delta = d.mean()
    di, dj = d.mean(axis=1), d.mean(axis=0)
    s2 = ((n2 - 1) * ((di - delta) ** 2).sum() / (n1 - 1) + (n1 - 1) * ((dj - delta) ** 2).sum() / (n2 - 1)
          + ((d - delta) ** 2).sum() / ((n1 - 1) * (n2 - 1))) / (n1 * n2)
    root = z * math.sqrt(s2) * math.sqrt((1 - delta**2) ** 2 + z**2 * s2)
    den = 1 - delta**2 + z**2 * s2
    return delta, (delta - delta**3 - root) / den, (delta - delta**3 + root) / den


def test_cliffs_delta_matches_scipy_u_and_the_dominance_matrix():
    """delta = 2U/(n1 n2) - 1 with scipy's U (ties count 1/2); the interval equals Cliff's formula computed
    from the full sign matrix."""
    rng = np.random.default_rng(7)
    x = rng.poisson(2.0, 37).astype(float)  # many ties, as in grant counts
    y = rng.poisson(1.2, 81).astype(float)
    delta, lo, hi = cliffs_delta(x, y)
    u = sps.mannwhitneyu(x, y).statistic
    assert delta == pytest.approx(2 * u / (x.size * y.size) - 1, abs=1e-12)
    bd, blo, bhi = _cliff_brute(x, y)
    assert (delta, lo, hi) == pytest.approx((bd, blo, bhi), abs=1e-12)
    assert lo < delta < hi


def test_cliffs_delta_of_separated_groups_is_one_without_an_interval():
    d, lo, hi = cliffs_delta(np.array([5.0, 6, 7]), np.array([1.0, 2]))
    assert d == 1.0 and math.isnan(lo) and math.isnan(hi)


def test_hodges_lehmann_is_the_median_of_pairwise_differences():
    rng = np.random.default_rng(8)
    x, y = rng.normal(1.0, 1, 41), rng.normal(0.0, 1, 60)
    shift, lo, hi = hodges_lehmann(x, y)
    diffs = np.sort(np.subtract.outer(x, y).ravel())
    assert shift == pytest.approx(np.median(diffs), abs=1e-12)
    # Moses interval with the normal approximation (no ties): C = floor(mn/2 - z sqrt(mn(N+1)/12))
    mn, n = x.size * y.size, x.size + y.size
    c = math.floor(mn / 2 - sps.norm.ppf(0.975) * math.sqrt(mn * (n + 1) / 12))
    assert (lo, hi) == pytest.approx((diffs[c - 1], diffs[mn - c]), abs=1e-12)


def test_hodges_lehmann_without_the_difference_matrix_for_large_groups():
    """2,500 x 2,000 = 5 million differences: found by bisection on the value, equal to numpy's median."""
    rng = np.random.default_rng(9)
    x, y = rng.exponential(2.0, 2500), rng.exponential(1.5, 2000)
    shift, lo, hi = hodges_lehmann(x, y)
    diffs = np.subtract.outer(x, y).ravel()
    assert shift == pytest.approx(float(np.median(diffs)), abs=1e-12)
    assert lo < shift < hi


def test_rank_test_uses_scipy_asymptotic_for_large_groups():
    rng = np.random.default_rng(10)
    x, y = rng.poisson(1.5, 40).astype(float), rng.poisson(1.0, 70).astype(float)
    p, method, null = rank_test(x, y)
    assert method.startswith("Mann–Whitney") and null is None
    assert p == pytest.approx(sps.mannwhitneyu(x, y, method="asymptotic").pvalue, rel=1e-12)


def test_small_group_exact_permutation_equals_scipy_permutation_test_with_ties():
    """n = 4 against 9, with ties: every one of the C(13, 4) = 715 arrangements is enumerated; scipy's
    permutation_test (exact when n_resamples is infinite) on the U statistic gives the same p."""
    x = np.array([3.0, 5, 5, 8])
    y = np.array([0.0, 1, 1, 2, 3, 3, 4, 5, 0])
    p, method, _ = rank_test(x, y)
    assert method == "exact permutation"
    mu = x.size * y.size / 2

    def stat(a, b):
        return abs(sps.mannwhitneyu(a, b).statistic - mu)

    oracle = sps.permutation_test((x, y), stat, permutation_type="independent", n_resamples=np.inf,
                                  alternative="greater").pvalue
    assert p == pytest.approx(oracle, rel=1e-9)


def test_permutation_p_for_a_small_group_against_a_large_one_is_close_to_exact():
    """n = 6 against 400: too many arrangements to enumerate; 9,999 random ones. Without ties the exact
    null distribution of U is scipy's exact method; the Monte Carlo p is within its sampling error."""
    rng = np.random.default_rng(11)
    x, y = rng.normal(0.8, 1, 6), rng.normal(0, 1, 400)
    p, method, null = rank_test(x, y, seed=3)
    assert method.startswith("permutation") and null.size == 9999
    exact = sps.mannwhitneyu(x, y, method="exact").pvalue
    assert abs(p - exact) < 4 * math.sqrt(exact * (1 - exact) / 9999) + 1e-4


def test_small_groups_get_no_test_and_overlapping_groups_are_not_tested():
    import pandas as pd

    values = pd.Series(np.arange(40, dtype=float))
    idx = values.index
    masks = {"a": pd.Series(idx < 5, index=idx), "b": pd.Series(idx >= 5, index=idx),
             "c": pd.Series(idx >= 20, index=idx)}
    t = summarise_groups(values, masks, {}, {"a": "b", "c": "b"}, resamples=200, min_n=10).set_index("group")
    assert t.loc["a", "small_group"] and math.isnan(t.loc["a", "p_raw"]) and "fewer than 10" in t.loc["a", "test"]
    assert math.isnan(t.loc["c", "p_raw"]) and t.loc["c", "test"] == "none: the groups overlap"
    assert pd.isna(t.loc["b", "compared_with"])
