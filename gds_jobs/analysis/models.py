"""Count models: grants and patents on group membership with size, industry and age as controls.

The group comparisons of Figs. 10–11 compare raw counts of groups that differ in firm size
(IN members are several times larger) and industry. The model asks whether the groups still
differ once those are held fixed:

    count ~ IN member + SIVA member + Region + log(employees) + value area + firm age

A negative-binomial (NB2) regression: ``E[y | x] = exp(xᵀβ)``, ``Var = μ + α μ²``, fitted by
maximum likelihood with statsmodels (``statsmodels.discrete.discrete_model.NegativeBinomial``).
Coefficients are reported as incidence-rate ratios ``exp(β)`` with Wald 95 % intervals: an IRR
of 1.5 for IN member means 50 % more grants than a non-member of the same size, area and age.

Choices
-------
* Population: the report's population (firms with at least ``min_employees`` employees), firms
  with a known employee count; a missing founding date leaves the firm out (n is reported).
* Value area: the area of the firm's NACE code (:mod:`klynge.reference.valueareas`); areas with
  fewer than ``min_area_firms`` firms, or without a single count in them, are merged into the
  default area (otherwise their coefficient runs off to −∞), which is the reference level (the
  largest area when no firm is in the default one).
* Groups with fewer than :data:`MIN_GROUP_FIRMS` firms or no count among them are left out of
  the model, and the table says so.
* When the fit does not converge or the information matrix is singular, the table says so and
  carries no coefficients: a non-converged fit is not reported as a result.

References
----------
A. C. Cameron and P. K. Trivedi, *Regression Analysis of Count Data*, 2nd ed. (2013), ch. 3.
S. Seabold and J. Perktold, "statsmodels: econometric and statistical modeling with Python", 2010.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from klynge.reference.valueareas import ValueAreaRules

MODEL_COLUMNS = ["outcome", "term", "irr", "irr_ci_low", "irr_ci_high", "coef", "se", "p", "n", "alpha",
                 "converged", "note"]
OUTCOMES = {"support": "grants and awards", "patents": "patent applications"}
GROUP_TERMS = {"in_member": "IN member", "siva_member": "SIVA member", "region": "Region"}
#: A group term needs at least this many firms in the model.
MIN_GROUP_FIRMS = 5


def model_frame(frame: pd.DataFrame, rules: ValueAreaRules, outcome: str, *, min_area_firms: int = 30
                ) -> pd.DataFrame:
    """The design data of one model: ``y``, group dummies, ``log_employees``, ``age``, ``area``."""
    pop = frame[frame["in_population"].fillna(False).astype(bool)].copy()
    emp = pd.to_numeric(pop["employees"], errors="coerce")
    pop = pop[emp > 0].assign(log_employees=np.log(emp[emp > 0]))
    pop = pop[pd.to_numeric(pop["age"], errors="coerce").notna()]
    versions = pop["nace_version"] if "nace_version" in pop else pd.Series("SN2025", index=pop.index)
    area = pd.Series([rules.area_of(c, v) for c, v in zip(pop["nace"], versions, strict=True)], index=pop.index)
    y = pd.to_numeric(pop[outcome], errors="coerce").fillna(0).round().astype(int)
    sizes = area.value_counts()
    counts = y.groupby(area).sum()
    keep = [a for a in sizes.index if sizes[a] >= min_area_firms and counts.get(a, 0) > 0]
    area = area.where(area.isin(keep), rules.other_id)
    out = pd.DataFrame({"y": y, "log_employees": pop["log_employees"].astype(float),
                        "age": pd.to_numeric(pop["age"], errors="coerce").astype(float), "area": area})
    for g in GROUP_TERMS:
        out[g] = pop[g].fillna(False).astype(bool).astype(float)
    return out.reset_index(drop=True)


def design(mf: pd.DataFrame, reference_area: str, groups: tuple[str, ...] = tuple(GROUP_TERMS)
           ) -> tuple[np.ndarray, list[str]]:
    """The design matrix (intercept, groups, log employees, age, area dummies) and its column names."""
    areas = sorted(a for a in mf["area"].unique() if a != reference_area)
    cols = ["const", *groups, "log_employees", "age", *[f"area:{a}" for a in areas]]
    x = np.column_stack([np.ones(len(mf)), *[mf[g].to_numpy(float) for g in groups],
                         mf["log_employees"].to_numpy(float), mf["age"].to_numpy(float),
                         *[(mf["area"] == a).to_numpy(float) for a in areas]])
    keep = [j for j in range(x.shape[1]) if j == 0 or np.ptp(x[:, j]) > 0]  # constant columns say nothing
    return x[:, keep], [cols[j] for j in keep]


def negative_binomial(frame: pd.DataFrame, rules: ValueAreaRules, outcome: str = "support", *,
                      min_area_firms: int = 30, confidence: float = 0.95) -> pd.DataFrame:
    """Fit the module's NB2 model of ``outcome`` and return one row per term (:data:`MODEL_COLUMNS`).

    Rows: the groups, ``log_employees``, ``age`` and each value area (against the reference area),
    as incidence-rate ratios with Wald intervals; ``alpha`` is the estimated dispersion. Without
    enough data (fewer than 30 firms or no count at all) or without convergence, a single row with
    the reason in ``note``.
    """
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    mf = model_frame(frame, rules, outcome, min_area_firms=min_area_firms)

    def empty(note: str) -> pd.DataFrame:
        out = pd.DataFrame([{"outcome": outcome, "term": None, "irr": math.nan, "irr_ci_low": math.nan,
                             "irr_ci_high": math.nan, "coef": math.nan, "se": math.nan, "p": math.nan,
                             "n": len(mf), "alpha": math.nan, "converged": False, "note": note}],
                           columns=MODEL_COLUMNS)
        return out

    if len(mf) < 30 or mf["y"].sum() == 0:
        return empty(f"not fitted: {len(mf)} firms with employees and a founding date, {int(mf['y'].sum())} "
                     f"{OUTCOMES.get(outcome, outcome)} — too few to model")
    # a group without a single count (or with very few firms) has no finite coefficient: it is left out, said so
    dropped = [g for g in GROUP_TERMS if mf[g].sum() < MIN_GROUP_FIRMS or mf.loc[mf[g] > 0, "y"].sum() == 0]
    groups = tuple(g for g in GROUP_TERMS if g not in dropped)
    left_out = (f"left out: {', '.join(GROUP_TERMS[g] for g in dropped)} (fewer than {MIN_GROUP_FIRMS} firms or "
                "no count among them)") if dropped else None
    counts = mf["area"].value_counts()
    reference = rules.other_id if rules.other_id in counts.index else str(counts.index[0])
    x, names = design(mf, reference, groups)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = NegativeBinomial(mf["y"].to_numpy(float), x, loglike_method="nb2").fit(
                disp=0, maxiter=200, method="newton")
        except (np.linalg.LinAlgError, ValueError) as exc:
            return empty(f"not fitted: {exc}")
    bad = [w for w in caught if issubclass(w.category, (ConvergenceWarning, HessianInversionWarning,
                                                         RuntimeWarning))]
    converged = bool(res.mle_retvals.get("converged", False)) and not bad
    params = np.asarray(res.params, dtype=float)
    bse = np.asarray(res.bse, dtype=float)
    if not converged or not np.all(np.isfinite(bse)):
        why = "; ".join(sorted({str(w.message).splitlines()[0] for w in bad})) or "the optimiser did not converge"
        return empty(f"not reported: the fit did not converge ({why})")
    if np.any(np.abs(params[:-1]) > 20):  # exp(20) ≈ 5e8: a term running off to infinity (separation)
        return empty("not reported: a coefficient is not identified (a category without variation in the count)")
    from scipy import stats as sps

    z = float(sps.norm.ppf(0.5 + confidence / 2.0))
    pvals = np.asarray(res.pvalues, dtype=float)
    alpha = float(params[-1])
    rows = []
    for j, name in enumerate(names):
        if name == "const":
            continue
        b, se = params[j], bse[j]
        label = GROUP_TERMS.get(name, name)
        if name.startswith("area:"):
            label = f"value area {rules.names().get(name[5:], name[5:])} (vs {rules.names().get(reference, reference)})"
        elif name == "log_employees":
            label = "log(employees)"
        elif name == "age":
            label = "firm age (years)"
        rows.append({"outcome": outcome, "term": label, "irr": math.exp(b), "irr_ci_low": math.exp(b - z * se),
                     "irr_ci_high": math.exp(b + z * se), "coef": b, "se": se, "p": float(pvals[j]),
                     "n": len(mf), "alpha": alpha, "converged": True, "note": left_out})
    return pd.DataFrame(rows, columns=MODEL_COLUMNS)


def count_models(frame: pd.DataFrame, rules: ValueAreaRules, *, min_area_firms: int = 30) -> pd.DataFrame:
    """:func:`negative_binomial` for grants and for patents, one table."""
    out = pd.concat([negative_binomial(frame, rules, o, min_area_firms=min_area_firms) for o in OUTCOMES],
                    ignore_index=True)
    out.attrs.update({
        "key": "count_models", "figure": "Table 7",
        "title": "Grants and patents by group with firm size, value area and age held fixed (negative binomial)",
        "notes": ["Incidence-rate ratios exp(β) with 95 % Wald intervals from a negative-binomial (NB2) regression: "
                  "count ~ IN member + SIVA member + Region + log(employees) + value area + firm age. An IRR above "
                  "1 means more applications than otherwise similar firms. alpha is the dispersion (0 = Poisson). "
                  f"Value areas with fewer than {min_area_firms} firms or no count are merged into the reference "
                  "area."]})
    return out
