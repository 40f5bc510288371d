"""Group summaries and tests: n, mean, median, bootstrap CI, Mann–Whitney U, Spearman.

Pure functions over numpy/pandas; nothing here reads a store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

SUMMARY_COLUMNS = ["group", "label", "members", "n", "missing", "mean", "median", "ci_low", "ci_high",
                   "p_mannwhitney", "reference"]


def bootstrap_mean_ci(values: np.ndarray, *, resamples: int = 1000, confidence: float = 0.95,
                      seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean.

    Parameters
    ----------
    values : the finite observations.
    resamples : number of resamples drawn with replacement.
    confidence : e.g. 0.95 for a 95 % interval.
    seed : seed of ``numpy.random.default_rng``; the same inputs give the same interval.

    Returns
    -------
    (low, high)
        NaN for no observations; ``(x, x)`` for a single observation or identical values.

    Notes
    -----
    Resamples are drawn in blocks so memory stays below about 80 MB for any n.

    References
    ----------
    B. Efron and R. Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13.
    """
    x = np.asarray(values, dtype=float)
    n = x.size
    if n == 0:
        return (math.nan, math.nan)
    if n == 1 or np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    means = np.empty(resamples)
    block = max(1, min(resamples, 10_000_000 // n))
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        idx = rng.integers(0, n, size=(stop - start, n))
        means[start:stop] = x[idx].mean(axis=1)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


def mann_whitney_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided Mann–Whitney U p-value (scipy's default method), NaN when undefined.

    Undefined when either sample is empty or every value in both samples is equal
    (no ranking information).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.size == 0 or y.size == 0:
        return math.nan
    both = np.concatenate([x, y])
    if np.all(both == both[0]):
        return math.nan
    return float(sps.mannwhitneyu(x, y, alternative="two-sided").pvalue)


def summarise_groups(values: pd.Series, memberships: Mapping[str, pd.Series], labels: Mapping[str, str],
                     reference: str | None, *, resamples: int = 1000, confidence: float = 0.95,
                     seed: int = 0, mean_values: pd.Series | None = None) -> pd.DataFrame:
    """One row per group: members, n with a value, missing, mean, median, CI, p vs reference.

    Parameters
    ----------
    values : one value per unit (index = unit), NaN where the value is missing/undefined.
    memberships : group key -> boolean Series on the same index (groups may overlap).
    labels : group key -> display label.
    reference : the group the others are tested against (its own p is NaN), or None.
    mean_values : values for the mean and its interval (e.g. winsorised); default ``values``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`; ``missing`` counts group members without a value.
    """
    rows = []
    ref_vals = None
    if reference is not None and reference in memberships:
        ref_vals = values[memberships[reference].reindex(values.index, fill_value=False)].dropna().to_numpy(float)
    for i, (key, mask) in enumerate(memberships.items()):
        m = mask.reindex(values.index, fill_value=False).astype(bool)
        members = int(m.sum())
        v = values[m].dropna().to_numpy(float)
        mv = v if mean_values is None else mean_values.reindex(values.index)[m].dropna().to_numpy(float)
        lo, hi = bootstrap_mean_ci(mv, resamples=resamples, confidence=confidence, seed=seed + i)
        p = math.nan
        if ref_vals is not None and key != reference:
            p = mann_whitney_p(v, ref_vals)
        rows.append({
            "group": key, "label": labels.get(key, key), "members": members, "n": int(v.size),
            "missing": members - int(v.size),
            "mean": float(mv.mean()) if mv.size else math.nan,
            "median": float(np.median(v)) if v.size else math.nan,
            "ci_low": lo, "ci_high": hi, "p_mannwhitney": p,
            "reference": labels.get(reference, reference) if reference else None,
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def spearman(x: Sequence[float] | pd.Series, y: Sequence[float] | pd.Series) -> tuple[int, float, float]:
    """Spearman's rho over the pairs where both values exist: ``(n, rho, p)``.

    rho and p are NaN when fewer than 3 pairs exist or either variable is constant
    (rank correlation undefined).
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    n = int(a.size)
    if n < 3 or np.all(a == a[0]) or np.all(b == b[0]):
        return (n, math.nan, math.nan)
    res = sps.spearmanr(a, b)
    return (n, float(res.statistic), float(res.pvalue))
