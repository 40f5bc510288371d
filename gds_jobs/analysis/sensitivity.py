"""Which findings survive other reasonable choices: every figure under every population × seats × weighting.

For each option set (population ``firms``/``all`` × roles ``board``/``board+deputies``/
``board+ceo``/``all`` × constraint on 0/1 ties or on weights) the whole family of tests is run
again on that option set's own population and network, and adjusted with Holm as in the
report. One row per figure, comparison and option set: the direction (sign of Cliff's delta),
the effect size, the Holm-adjusted p and two marks against the report's own option set:
``sign_changed`` (the direction flips) and ``significance_changed`` (significant at ``alpha`` in
one and not in the other). A finding that keeps its direction and significance in every row is
robust to these choices; the weighting changes only Fig. 8 and the constraint hypotheses, the
seats change only the network figures and the spill-over groups.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from gds_jobs.analysis.compare import METRICS, adjust_family, compare, hypotheses
from gds_jobs.analysis.data import AnalysisData
from gds_jobs.analysis.frame import with_population
from gds_jobs.analysis.options import POPULATIONS, ROLE_SETS, AnalysisOptions

SENSITIVITY_COLUMNS = ["figure", "key", "comparison", "population", "roles", "weighting", "is_report_choice",
                       "n_group", "n_compared", "cliffs_delta", "direction", "p_raw", "p_holm", "significant",
                       "sign_changed", "significance_changed", "nodes", "ties"]


#: Figures whose values or groups depend on the network (the seats counted).
NETWORK_KEYS = frozenset({"constraint", "eigenvector", "harmonic", "spillover_applications", "spillover_patents"})


def option_sets(options: AnalysisOptions) -> list[AnalysisOptions]:
    """Every population × roles × weighting, the report's own choice first."""
    own = (options.population, options.roles, options.weighted)
    combos = [own] + [c for c in itertools.product(POPULATIONS, ROLE_SETS, (False, True)) if c != own]
    return [options.with_(population=p, roles=r, weighted=w) for p, r, w in combos]


def _direction(d: float) -> str:
    if not np.isfinite(d):
        return "–"
    return "higher" if d > 0 else "lower" if d < 0 else "equal"


def sensitivity(base: pd.DataFrame, data: AnalysisData, options: AnalysisOptions,
                region_name: str | None = None) -> pd.DataFrame:
    """The sensitivity panel (:data:`SENSITIVITY_COLUMNS`), long form.

    Parameters
    ----------
    base : :func:`gds_jobs.analysis.frame.base_frame` of the read (shared by every option set).
    data : the read; networks come from its cache (:func:`gds_jobs.analysis.population.network_for`).
    options : the report's options; the panel shows no means, so its bootstrap is small, and permutation
        tests use at most 1,999 resamples.
    """
    rows = []
    frames: dict[tuple[str, str], pd.DataFrame] = {}
    memo: dict[tuple, pd.DataFrame] = {}
    for opts in option_sets(options):
        quick = opts.with_(bootstrap=100, permutations=min(opts.permutations, 1999))
        fkey = (opts.population, opts.roles)
        if fkey not in frames:
            frames[fkey] = with_population(base, data, opts)[0]
        f = frames[fkey]
        tables = {}
        for m in METRICS:  # a table depends on the seats only through the network, on the weighting only in Fig. 8
            mkey = (opts.population, opts.roles if m.key in NETWORK_KEYS else None,
                    opts.weighted if m.key == "constraint" else None, m.key)
            if mkey not in memo:
                memo[mkey] = compare(f, m, quick, region_name)
            tables[m.key] = memo[mkey].copy()
        hyp = hypotheses(f, quick)
        adjust_family(tables, hyp)
        own = (opts.population, opts.roles, opts.weighted) == (options.population, options.roles, options.weighted)
        net = f.attrs.get("network") or {}
        for m in METRICS:
            t = tables[m.key]
            for _, r in t[t["compared_with"].notna()].iterrows():
                other = t.loc[t["label"] == r["compared_with"], "n"]
                rows.append({"figure": m.figure, "key": m.key, "comparison": f"{r['label']} vs {r['compared_with']}",
                             "population": opts.population, "roles": opts.roles,
                             "weighting": "weights" if opts.weighted else "0/1",
                             "is_report_choice": own, "n_group": int(r["n"]),
                             "n_compared": int(other.iloc[0]) if len(other) else 0,
                             "cliffs_delta": r["cliffs_delta"], "direction": _direction(r["cliffs_delta"]),
                             "p_raw": r["p_raw"], "p_holm": r["p_holm"],
                             "significant": bool(np.isfinite(r["p_holm"]) and r["p_holm"] < opts.alpha),
                             "nodes": int(net.get("nodes", 0)), "ties": int(net.get("ties", 0))})
        for _, r in hyp.iterrows():
            rows.append({"figure": "Hypotheses", "key": f"{r['x']}~{r['y']}",
                         "comparison": f"Spearman {r['x']} ~ {r['y']} (expected {r['expected']})",
                         "population": opts.population, "roles": opts.roles,
                         "weighting": "weights" if opts.weighted else "0/1", "is_report_choice": own,
                         "n_group": int(r["n"]), "n_compared": int(r["n"]), "cliffs_delta": r["rho"],
                         "direction": _direction(r["rho"]), "p_raw": r["p"], "p_holm": r["p_holm"],
                         "significant": bool(np.isfinite(r["p_holm"]) and r["p_holm"] < opts.alpha),
                         "nodes": int(net.get("nodes", 0)), "ties": int(net.get("ties", 0))})
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    ref = out[out["is_report_choice"]].set_index(["key", "comparison"])
    keys = list(zip(out["key"], out["comparison"], strict=True))
    ref_dir = [ref["direction"].get(k, "–") for k in keys]
    ref_sig = [bool(ref["significant"].get(k, False)) for k in keys]
    out["sign_changed"] = [d not in ("–", "equal") and rd not in ("–", "equal") and d != rd
                           for d, rd in zip(out["direction"], ref_dir, strict=True)]
    out["significance_changed"] = [s != rs for s, rs in zip(out["significant"], ref_sig, strict=True)]
    out = out[SENSITIVITY_COLUMNS]
    out.attrs.update({
        "key": "sensitivity", "title": "Sensitivity: each finding under every population, choice of seats and weighting",
        "notes": [("cliffs_delta: Cliff's delta of the group against the group it is compared with (for the "
                   "hypotheses: Spearman's rho); p_holm: Holm-adjusted over that option set's family; "
                   f"significant: p_holm < {options.alpha}. sign_changed / significance_changed compare with the "
                   "report's own choice (is_report_choice). nodes and ties: the option set's network.")]})
    return out


def sensitivity_matrix(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel as one row per finding and one column per option set, cells like ``+0.21 (0.030)*``.

    ``*`` marks significance after Holm; ``!`` a changed direction or significance against the report's
    choice; ``–`` no test (small group or no values).
    """
    if panel.empty:
        return pd.DataFrame()

    def cell(r: pd.Series) -> str:
        if not np.isfinite(r["cliffs_delta"]):
            return "–"
        mark = ("*" if r["significant"] else "") + ("!" if r["sign_changed"] or r["significance_changed"] else "")
        p = f"{r['p_holm']:.3f}" if np.isfinite(r["p_holm"]) else "–"
        return f"{r['cliffs_delta']:+.2f} ({p}){mark}"

    p = panel.assign(option=panel["population"] + " · " + panel["roles"] + " · " + panel["weighting"],
                     cell=panel.apply(cell, axis=1))
    order = list(dict.fromkeys(p["option"]))
    m = p.pivot_table(index=["figure", "comparison"], columns="option", values="cell", aggfunc="first", sort=False)
    m = m.reindex(columns=order).reset_index()
    m.columns.name = None
    m.attrs.update(panel.attrs)
    return m
