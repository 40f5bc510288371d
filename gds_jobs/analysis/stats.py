"""Group summaries and tests: bootstrap CI, Mann–Whitney U and permutation tests, Cliff's delta,
Hodges–Lehmann shift, Holm and Benjamini–Hochberg adjustment, Spearman.

Pure functions over numpy/pandas; nothing here reads a store.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

#: Columns of every group comparison (CSV, JSON and HTML alike; the report's method notes explain each).
SUMMARY_COLUMNS = ["group", "label", "members", "n", "missing", "mean", "ci_low", "ci_high", "median",
                   "compared_with", "test", "p_raw", "p_holm", "p_bh", "cliffs_delta", "cliffs_delta_ci_low",
                   "cliffs_delta_ci_high", "hl_shift", "hl_ci_low", "hl_ci_high", "small_group"]


def bootstrap_mean_ci(values: np.ndarray, *, resamples: int = 1000, confidence: float = 0.95,
                      seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean (:func:`bootstrap_ci` with ``statistic="mean"``)."""
    return bootstrap_ci(values, "mean", resamples=resamples, confidence=confidence, seed=seed)


def bootstrap_ci(values: np.ndarray, statistic: str = "mean", *, resamples: int = 1000, confidence: float = 0.95,
                 seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean or the median.

    The statistic is computed on ``resamples`` samples of size n drawn with replacement; the interval
    is their ``(1 − confidence)/2`` and ``(1 + confidence)/2`` quantiles.

    Parameters
    ----------
    values : the finite observations.
    statistic : ``"mean"`` or ``"median"``.
    resamples : number of resamples drawn with replacement.
    confidence : e.g. 0.95 for a 95 % interval.
    seed : seed of ``numpy.random.default_rng``; the same inputs give the same interval.

    Returns
    -------
    (low, high)
        NaN for no observations; ``(x, x)`` for a single observation or identical values.

    Notes
    -----
    Resamples are drawn in blocks so memory stays below about 80 MB for any n. The percentile
    interval of a median is coarse for small n (it can only take values of the sample and midpoints
    of two of them).

    References
    ----------
    B. Efron and R. Tibshirani, *An Introduction to the Bootstrap* (1993), ch. 13.
    """
    if statistic not in ("mean", "median"):
        raise ValueError(f"bootstrap statistic {statistic!r} is not mean or median")
    x = np.asarray(values, dtype=float)
    n = x.size
    if n == 0:
        return (math.nan, math.nan)
    if n == 1 or np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    rng = np.random.default_rng(seed)
    stats_ = np.empty(resamples)
    block = max(1, min(resamples, 10_000_000 // n))
    for start in range(0, resamples, block):
        stop = min(resamples, start + block)
        idx = rng.integers(0, n, size=(stop - start, n))
        stats_[start:stop] = x[idx].mean(axis=1) if statistic == "mean" else np.median(x[idx], axis=1)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(stats_, [alpha, 1.0 - alpha])
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
                     compared_with: Mapping[str, str] | str | None, *, resamples: int = 1000,
                     confidence: float = 0.95, seed: int = 0, mean_values: pd.Series | None = None,
                     min_n: int = 10, exact_below: int = 20, permutations: int = 9999) -> pd.DataFrame:
    """One row per group: members, n, missing, mean with its bootstrap CI, median, and — for the groups
    tested against another — the test, raw p, Cliff's delta and the Hodges–Lehmann shift with CIs.

    Parameters
    ----------
    values : one value per unit (index = unit), NaN where the value is missing/undefined.
    memberships : group key -> boolean Series on the same index (groups may overlap).
    labels : group key -> display label.
    compared_with : group key -> the group it is tested against (pairs must not overlap; an
        overlapping pair is not tested), or one reference key for every other group, or None.
    mean_values : values for the mean and its interval (e.g. winsorised); default ``values``.
    min_n : a group (or its comparison group) with fewer values is ``small_group``: no test and no
        effect size (too few values for a p-value to mean anything).
    exact_below, permutations : see :func:`rank_test`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`SUMMARY_COLUMNS`; ``missing`` counts group members without a value;
        ``p_holm`` and ``p_bh`` are NaN until the family is adjusted
        (:func:`gds_jobs.analysis.compare.adjust_family`).
    """
    if isinstance(compared_with, str):
        pairs = {k: compared_with for k in memberships if k != compared_with}
    else:
        pairs = dict(compared_with or {})
    masks = {k: m.reindex(values.index, fill_value=False).astype(bool) for k, m in memberships.items()}
    vals = {k: values[m].dropna().to_numpy(float) for k, m in masks.items()}
    rows = []
    for i, key in enumerate(memberships):
        m = masks[key]
        members = int(m.sum())
        v = vals[key]
        mv = v if mean_values is None else mean_values.reindex(values.index)[m].dropna().to_numpy(float)
        lo, hi = bootstrap_mean_ci(mv, resamples=resamples, confidence=confidence, seed=seed + i)
        row = {
            "group": key, "label": labels.get(key, key), "members": members, "n": int(v.size),
            "missing": members - int(v.size),
            "mean": float(mv.mean()) if mv.size else math.nan, "ci_low": lo, "ci_high": hi,
            "median": float(np.median(v)) if v.size else math.nan,
            "compared_with": None, "test": None, "p_raw": math.nan, "p_holm": math.nan, "p_bh": math.nan,
            "cliffs_delta": math.nan, "cliffs_delta_ci_low": math.nan, "cliffs_delta_ci_high": math.nan,
            "hl_shift": math.nan, "hl_ci_low": math.nan, "hl_ci_high": math.nan,
            "small_group": bool(v.size < min_n),
        }
        ref = pairs.get(key)
        if ref is not None and ref in masks and key != ref:
            row["compared_with"] = labels.get(ref, ref)
            rv = vals[ref]
            if (m & masks[ref]).any():
                row["test"] = "none: the groups overlap"
            elif v.size < min_n or rv.size < min_n:
                row["test"] = f"none: fewer than {min_n} values"
                row["small_group"] = True
            else:
                p, method, null_u = rank_test(v, rv, exact_below=exact_below, permutations=permutations,
                                              seed=seed + 1000 + i)
                d, dlo, dhi = cliffs_delta(v, rv, confidence)
                h, hlo, hhi = hodges_lehmann(v, rv, confidence, null_u)
                row.update({"test": method, "p_raw": p, "cliffs_delta": d, "cliffs_delta_ci_low": dlo,
                            "cliffs_delta_ci_high": dhi, "hl_shift": h, "hl_ci_low": hlo, "hl_ci_high": hhi})
        rows.append(row)
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


def spearman_ci(rho: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of Spearman's rho by Fisher's z with the Bonett–Wright standard error.

    ``z = atanh(rho)``, ``se = sqrt((1 + rho²/2) / (n − 3))``, interval ``tanh(z ± q se)`` with ``q`` the
    standard normal quantile of ``(1 + confidence)/2``. Returns NaN bounds for n < 4, a NaN rho, or
    |rho| = 1 (no interval on the z scale).

    References
    ----------
    D. G. Bonett and T. A. Wright, "Sample size requirements for estimating Pearson, Kendall and Spearman
    correlations", *Psychometrika* 65(1), 2000, 23–28.
    """
    if n < 4 or rho is None or not math.isfinite(rho) or abs(rho) >= 1.0:
        return (math.nan, math.nan)
    z = math.atanh(rho)
    se = math.sqrt((1.0 + rho**2 / 2.0) / (n - 3))
    q = float(sps.norm.ppf(0.5 + confidence / 2.0))
    return (math.tanh(z - q * se), math.tanh(z + q * se))


# --- tests for small groups, effect sizes, multiple testing ------------------------------------------

def _midranks(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return sps.rankdata(np.concatenate([x, y]))


def rank_test(x: np.ndarray, y: np.ndarray, *, exact_below: int = 20, permutations: int = 9999,
              seed: int = 0, max_enumerate: int = 20000) -> tuple[float, str, np.ndarray | None]:
    """Two-sided test of equal distributions by the Mann–Whitney rank sum: ``(p, method, null_u)``.

    Parameters
    ----------
    x, y : the finite observations of the two (disjoint) groups.
    exact_below : when the smaller group has fewer values, the p-value comes from the permutation
        distribution of the rank sum (conditional on the ties), not from the normal approximation.
    permutations : Monte Carlo resamples when the arrangements are too many to enumerate.
    seed : seed of the resampling.
    max_enumerate : enumerate every arrangement when there are at most this many (exact test).

    Returns
    -------
    (p, method, null_u)
        ``method`` is ``"exact permutation"``, ``"permutation (R resamples)"`` or
        ``"Mann–Whitney U, normal approximation"`` (scipy's asymptotic method, tie-corrected);
        ``null_u`` the permutation distribution of U (None for the normal approximation), which
        :func:`hodges_lehmann` uses for its interval. p is NaN when a group is empty or every value
        is equal.

    Notes
    -----
    U = R₁ − n₁(n₁+1)/2 with midranks R₁ of ``x`` in the pooled sample; under the null every
    choice of n₁ of the N pooled midranks is equally likely. The permutation p-value is
    ``#{|U* − μ| ≥ |U − μ|}/#`` over all choices (exact) or ``(1 + #{…}) / (R + 1)`` over R random
    choices (Davison and Hinkley 1997, eq. 4.11), μ = n₁n₂/2; it is valid with ties, where
    scipy's exact method is not.

    References
    ----------
    H. B. Mann and D. R. Whitney, *Ann. Math. Statist.* 18 (1947). A. C. Davison and
    D. V. Hinkley, *Bootstrap Methods and their Application* (1997), ch. 4.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        return (math.nan, "none", None)
    both = np.concatenate([x, y])
    if np.all(both == both[0]):
        return (math.nan, "none", None)
    if min(n1, n2) >= exact_below:
        return (float(sps.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic").pvalue),
                "Mann–Whitney U, normal approximation", None)
    ranks = _midranks(x, y)
    n = n1 + n2
    u_obs = ranks[:n1].sum() - n1 * (n1 + 1) / 2.0
    mu = n1 * n2 / 2.0
    k = min(n1, n2)
    if math.comb(n, k) <= max_enumerate:
        from itertools import combinations

        idx = np.array(list(combinations(range(n), k)), dtype=np.int64)
        sums = ranks[idx].sum(axis=1)
        if k != n1:  # the chosen are y's: U of x = total rank sum − y's − n1(n1+1)/2
            sums = ranks.sum() - sums
        null_u = sums - n1 * (n1 + 1) / 2.0
        p = float(np.mean(np.abs(null_u - mu) >= abs(u_obs - mu) - 1e-9))
        return (min(1.0, p), "exact permutation", null_u)
    rng = np.random.default_rng(seed)
    null_u = np.empty(permutations)
    for i in range(permutations):
        pick = rng.choice(n, size=k, replace=False)
        s = ranks[pick].sum()
        null_u[i] = (s if k == n1 else ranks.sum() - s) - n1 * (n1 + 1) / 2.0
    hits = int(np.sum(np.abs(null_u - mu) >= abs(u_obs - mu) - 1e-9))
    return (min(1.0, (1 + hits) / (permutations + 1)), f"permutation ({permutations:,} resamples)", null_u)


def _order_counts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per x_i: the number of y below and above it (sorted-array counts, no pairwise matrix)."""
    ys = np.sort(y)
    below = np.searchsorted(ys, x, side="left")
    above = y.size - np.searchsorted(ys, x, side="right")
    return below.astype(float), above.astype(float)


def cliffs_delta(x: np.ndarray, y: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Cliff's delta with Cliff's asymmetric confidence interval: ``(delta, low, high)``.

    ``δ = (#{x_i > y_j} − #{x_i < y_j}) / (n₁ n₂)``, the probability that a value of ``x`` exceeds
    one of ``y`` minus the reverse (−1 … 1; 0 = no dominance; equals ``2U/(n₁n₂) − 1`` with scipy's
    U of ``x``). Interval (Cliff 1993, eq. 9; Feng and Cliff 2004): with the consistent variance
    ``s² = ((n₂−1) s²_{d_i·} + (n₁−1) s²_{d_·j} + s²_{d_ij}) / (n₁ n₂)`` from the dominance rows
    ``d_i· = (#{y < x_i} − #{y > x_i}) / n₂``, columns ``d_·j`` and cells ``d_ij = sign(x_i − y_j)``,

        ``(δ − δ³ ± z s √((1 − δ²)² + z² s²)) / (1 − δ² + z² s²)``.

    Computed from sorted counts in O((n₁ + n₂) log n). NaN for an empty group; the interval is NaN
    when it degenerates (every pair ordered the same way, so ``s = 0`` and ``|δ| = 1``).

    References
    ----------
    N. Cliff, "Dominance statistics: ordinal analyses to answer ordinal questions", *Psychological
    Bulletin* 114(3), 1993. D. Feng and N. Cliff, *J. Modern Applied Statistical Methods* 3(2), 2004.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    below_x, above_x = _order_counts(x, y)  # per x_i: y below, y above
    below_y, above_y = _order_counts(y, x)  # per y_j: x below, x above
    di = (below_x - above_x) / n2
    dj = (above_y - below_y) / n1  # column j: #{x > y_j} − #{x < y_j}
    delta = float(di.mean())
    if n1 < 2 or n2 < 2:
        return (delta, math.nan, math.nan)
    ties = n1 * n2 - below_x.sum() - above_x.sum()
    s_i = float(np.sum((di - delta) ** 2) / (n1 - 1))
    s_j = float(np.sum((dj - delta) ** 2) / (n2 - 1))
    s_ij = float((n1 * n2 - ties - n1 * n2 * delta**2) / ((n1 - 1) * (n2 - 1)))
    var = ((n2 - 1) * s_i + (n1 - 1) * s_j + s_ij) / (n1 * n2)
    var = max(var, 0.0)
    z = float(sps.norm.ppf(0.5 + confidence / 2.0))
    denom = 1.0 - delta**2 + z**2 * var
    if denom <= 0:
        return (delta, math.nan, math.nan)
    root = z * math.sqrt(var) * math.sqrt((1 - delta**2) ** 2 + z**2 * var)
    lo = (delta - delta**3 - root) / denom
    hi = (delta - delta**3 + root) / denom
    return (delta, max(-1.0, lo), min(1.0, hi))


def _kth_difference(x: np.ndarray, y: np.ndarray, k: int) -> float:
    """The k-th smallest (1-based) of the n₁n₂ differences x_i − y_j, without forming them all."""
    n1, n2 = x.size, y.size
    if n1 * n2 <= 4_000_000:
        d = (x[:, None] - y[None, :]).ravel()
        return float(np.partition(d, k - 1)[k - 1])
    ys = np.sort(y)

    def count_le(t: float) -> int:  # #{x_i − y_j ≤ t} = Σ_i #{y_j ≥ x_i − t}
        return int(np.sum(n2 - np.searchsorted(ys, x - t, side="left")))

    lo, hi = float(x.min() - ys[-1]) - 1.0, float(x.max() - ys[0])
    for _ in range(200):  # bisection on the value; then snap to the difference itself
        mid = (lo + hi) / 2.0
        if mid <= lo or mid >= hi:
            break
        if count_le(mid) >= k:
            hi = mid
        else:
            lo = mid
    # the answer is the smallest difference greater than lo: per x_i, the largest y_j < x_i − lo
    pos = np.searchsorted(ys, x - lo, side="left") - 1
    ok = pos >= 0
    return float(np.min(x[ok] - ys[pos[ok]]))


def hodges_lehmann(x: np.ndarray, y: np.ndarray, confidence: float = 0.95,
                   null_u: np.ndarray | None = None) -> tuple[float, float, float]:
    """Hodges–Lehmann shift of ``x`` against ``y`` with its distribution-free interval.

    The estimate is the median of the n₁n₂ differences ``x_i − y_j``. The interval (Moses; Lehmann
    1975, ch. 2) is ``[D_(C), D_(n₁n₂+1−C)]`` of the sorted differences, with ``C`` the lower
    ``(1 − confidence)/2`` critical value of U: from the permutation distribution ``null_u`` when
    given (small groups, see :func:`rank_test`), else ``⌊n₁n₂/2 − z √Var(U)⌋`` with the
    tie-corrected variance ``Var(U) = n₁n₂/12 · (N + 1 − Σ(t³ − t)/(N(N − 1)))``. Order statistics
    are found by bisection on the value, so large groups need no pairwise matrix.

    Returns ``(shift, low, high)``; NaN for an empty group, and NaN bounds when ``C < 1`` (groups
    too small for the level).

    References
    ----------
    J. L. Hodges and E. L. Lehmann, *Ann. Math. Statist.* 34 (1963). E. L. Lehmann,
    *Nonparametrics* (1975), ch. 2.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        return (math.nan, math.nan, math.nan)
    mn = n1 * n2
    if mn % 2:
        shift = _kth_difference(x, y, (mn + 1) // 2)
    else:
        shift = (_kth_difference(x, y, mn // 2) + _kth_difference(x, y, mn // 2 + 1)) / 2.0
    alpha = 1.0 - confidence
    if null_u is not None and len(null_u):
        # C = 1 + u_low, u_low the largest value with P(U ≤ u_low) ≤ α/2 under the permutation distribution
        vals, counts = np.unique(np.asarray(null_u, dtype=float), return_counts=True)
        cdf = np.cumsum(counts) / counts.sum()
        below = vals[cdf <= alpha / 2.0 + 1e-12]
        c_low = int(math.floor(below.max() + 1e-9)) + 1 if below.size else 0
    else:
        n = n1 + n2
        _, t = np.unique(np.concatenate([x, y]), return_counts=True)
        var = mn / 12.0 * ((n + 1) - float(np.sum(t.astype(float) ** 3 - t)) / (n * (n - 1)))
        z = float(sps.norm.ppf(1.0 - alpha / 2.0))
        c_low = int(math.floor(mn / 2.0 - z * math.sqrt(max(var, 0.0))))
    if c_low < 1:
        return (shift, math.nan, math.nan)
    return (shift, _kth_difference(x, y, c_low), _kth_difference(x, y, mn + 1 - c_low))


def _family(p: Sequence[float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The p-values as floats, an all-NaN output and the positions of the finite ones in ascending order."""
    a = np.asarray(p, dtype=float)
    ok = np.flatnonzero(np.isfinite(a))
    return a, np.full(a.shape, np.nan), ok[np.argsort(a[ok], kind="stable")]


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values; NaN entries are left out of the family and stay NaN.

    With the m finite p-values sorted ascending, ``p̃_(i) = max_{j ≤ i} min(1, (m − j + 1) p_(j))``.
    Controls the family-wise error rate under any dependence.

    References
    ----------
    S. Holm, "A simple sequentially rejective multiple test procedure", *Scand. J. Statist.* 6, 1979.
    """
    a, out, order = _family(p)
    m = order.size
    if m:
        out[order] = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * a[order]))
    return out


def benjamini_hochberg(p: Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (false discovery rate); NaN entries stay NaN.

    With the m finite p-values sorted ascending, ``p̃_(i) = min_{j ≥ i} min(1, m p_(j) / j)``.
    Controls the false discovery rate for independent or positively dependent tests.

    References
    ----------
    Y. Benjamini and Y. Hochberg, *J. R. Statist. Soc. B* 57(1), 1995.
    """
    a, out, order = _family(p)
    m = order.size
    if m:
        adj = np.minimum(1.0, m * a[order] / np.arange(1, m + 1))
        out[order] = np.minimum.accumulate(adj[::-1])[::-1]
    return out
