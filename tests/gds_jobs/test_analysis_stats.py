"""Group statistics of the analyses, checked against hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from gds_jobs.analysis.stats import bootstrap_mean_ci, mann_whitney_p, spearman, summarise_groups


def test_mann_whitney_exact_p_for_fully_separated_samples():
    """x=[1,2,3] all below y=[4,5,6]: U=0; exact two-sided p = 2 * 1/C(6,3) = 2/20 = 0.1."""
    assert mann_whitney_p(np.array([1, 2, 3]), np.array([4, 5, 6])) == pytest.approx(0.1)


def test_mann_whitney_is_undefined_for_empty_or_all_equal_samples():
    assert math.isnan(mann_whitney_p(np.array([]), np.array([1.0])))
    assert math.isnan(mann_whitney_p(np.array([2.0, 2.0]), np.array([2.0])))


def test_spearman_rho_matches_hand_computation():
    """x=[1,2,3,4], y=[1,3,2,4]: d=[0,1,1,0], sum d^2=2, rho = 1 - 6*2/(4*15) = 0.8."""
    n, rho, p = spearman([1, 2, 3, 4, None], [1, 3, 2, 4, 7])
    assert n == 4
    assert rho == pytest.approx(0.8)
    assert 0 < p < 1


def test_spearman_of_constant_variable_is_nan_without_warning():
    n, rho, p = spearman([1, 1, 1, 1], [1, 2, 3, 4])
    assert n == 4 and math.isnan(rho) and math.isnan(p)


def test_bootstrap_interval_of_two_values_spans_both():
    """Resample means of [0, 10] are 0, 5, 10 with chances 1/4, 1/2, 1/4, so the 2.5 % and
    97.5 % quantiles of 1000 resamples are 0 and 10."""
    assert bootstrap_mean_ci(np.array([0.0, 10.0]), resamples=1000, seed=1) == (0.0, 10.0)


def test_bootstrap_is_reproducible_with_a_seed_and_brackets_the_mean():
    x = np.arange(50, dtype=float) ** 1.5
    a = bootstrap_mean_ci(x, resamples=500, seed=7)
    b = bootstrap_mean_ci(x, resamples=500, seed=7)
    assert a == b
    assert a[0] < x.mean() < a[1]


def test_bootstrap_of_one_value_is_that_value_and_of_none_is_nan():
    assert bootstrap_mean_ci(np.array([3.0])) == (3.0, 3.0)
    assert all(math.isnan(v) for v in bootstrap_mean_ci(np.array([])))


def test_summary_counts_members_missing_and_tests_against_reference():
    """Group a = units 0-2 with values 1, 2, NaN; group b (reference) = units 3-5 with 4, 5, 6.
    a: members 3, n 2, missing 1, mean 1.5, median 1.5; the exact permutation p for [1,2] vs [4,5,6]
    (every one of C(5,2) = 10 arrangements) is 2 * 1/10 = 0.2 — with min_n lowered to 2 so the tiny
    groups are tested at all; Cliff's delta -1 (every a below every b); HL shift = median of the differences (-5, -4, -4, -3, -3, -2) = -3.5."""
    values = pd.Series([1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    masks = {"a": pd.Series([True, True, True, False, False, False]),
             "b": pd.Series([False, False, False, True, True, True])}
    t = summarise_groups(values, masks, {"a": "A", "b": "B"}, "b", resamples=200, seed=3, min_n=2)
    a = t.set_index("group").loc["a"]
    assert (a["members"], a["n"], a["missing"]) == (3, 2, 1)
    assert a["mean"] == pytest.approx(1.5) and a["median"] == pytest.approx(1.5)
    assert a["p_raw"] == pytest.approx(0.2) and a["test"] == "exact permutation"
    assert a["cliffs_delta"] == -1.0 and a["hl_shift"] == pytest.approx(-3.5)
    assert a["compared_with"] == "B"
    assert math.isnan(t.set_index("group").loc["b", "p_raw"])
    default = summarise_groups(values, masks, {"a": "A", "b": "B"}, "b", resamples=200, seed=3)
    small = default.set_index("group").loc["a"]
    assert small["small_group"] and math.isnan(small["p_raw"])  # n < 10: greyed, no p-value


def test_median_bootstrap_and_rho_interval_edge_cases():
    from gds_jobs.analysis.stats import bootstrap_ci, spearman_ci

    assert bootstrap_ci(np.array([3.0, 3.0, 3.0]), "median") == (3.0, 3.0)
    assert all(np.isnan(bootstrap_ci(np.array([]), "median")))
    lo, hi = bootstrap_ci(np.array([1.0, 2, 3, 4, 5, 6, 7]), "median", resamples=500, seed=3)
    assert 1.0 <= lo <= 4.0 <= hi <= 7.0
    with pytest.raises(ValueError, match="mode"):
        bootstrap_ci(np.array([1.0, 2.0]), "mode")
    assert all(np.isnan(spearman_ci(0.5, 3))) and all(np.isnan(spearman_ci(1.0, 50)))
    assert all(np.isnan(spearman_ci(float("nan"), 50)))
    lo, hi = spearman_ci(0.0, 103)  # se = 1/10: tanh(±1.96/10)
    assert (lo, hi) == pytest.approx((-np.tanh(0.1959964), np.tanh(0.1959964)))
