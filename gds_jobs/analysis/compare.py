"""The study's group comparisons (Figs. 8–15) and hypotheses as rank correlations.

Each comparison returns a DataFrame (one row per group: members, n, missing, mean,
median, bootstrap CI of the mean, Mann–Whitney U p against the reference group)
with ``attrs`` carrying the title, figure, unit and notes. The web app, the CLI and
the report use the same functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gds_jobs.analysis.options import GROUPS, AnalysisOptions
from gds_jobs.analysis.stats import spearman, summarise_groups


@dataclass(frozen=True)
class Metric:
    key: str
    column: str
    title: str
    figure: str
    unit: str
    note: str
    kind: str = "groups"  # or "spillover"
    winsorize: bool = False  # ratio outcomes with heavy tails


METRICS: tuple[Metric, ...] = (
    Metric("constraint", "constraint", "Burt's constraint by group", "Fig. 8", "constraint (0–1)",
           "Burt's constraint on the interlock network (shared board members); undefined for isolates, "
           "which count as missing."),
    Metric("eigenvector", "eigenvector", "Eigenvector centrality by group", "Fig. 9", "eigenvector centrality",
           "Eigenvector centrality on the interlock network; units outside the measures run count as missing."),
    Metric("support", "support", "Grants and awards per firm from Forskningsrådet and Innovasjon Norge",
           "Fig. 10", "grants per firm", "Granted applications and awards in the window; a firm without any "
           "counts as 0, not as missing."),
    Metric("patents", "patents", "Patent applications per firm", "Fig. 11", "applications per firm",
           "Patent applications in the window; a firm without any counts as 0."),
    Metric("spillover_applications", "fr_applications",
           "Spill-over: research-council applications of non-members with and without a board link to an IN member",
           "Fig. 12", "applications per firm",
           "Among firms that are not IN members: those sharing an active board member with an IN member "
           "organisation against the others. Forskningsrådet applications in the window, granted or not.",
           "spillover"),
    Metric("spillover_patents", "patents",
           "Spill-over: patent applications of non-members with and without a board link to an IN member",
           "Fig. 13", "applications per firm",
           "Same groups as Fig. 12; patent applications in the window.", "spillover"),
    Metric("profitability", "profitability",
           "Profitability: EBITDA / total assets (operating result / total assets where EBITDA is missing)",
           "Fig. 14", "ratio", "Newest filing with total assets > 0. The open accounts API carries no "
           "depreciation, so EBITDA is usually missing and operating result (EBIT) stands in; the basis "
           "counts are given below.", winsorize=True),
    Metric("growth", "growth", "Annual growth rate of ordinary result before tax", "Fig. 15", "rate per year",
           "Mean of (R_t − R_{t−1}) / |R_{t−1}| over consecutive years; needs two consecutive filings; "
           "zero bases are left out. Firms with fewer years count as missing.", winsorize=True),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}

SPILL_LABELS = {"linked": "Board link to an IN member", "other": "No board link to an IN member"}


def _population(frame: pd.DataFrame) -> pd.Series:
    if "in_population" not in frame:
        return pd.Series(True, index=frame.index)
    return frame["in_population"].fillna(False).astype(bool)


def group_masks(frame: pd.DataFrame, options: AnalysisOptions, region_name: str | None = None
                ) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Boolean masks (within the population) and labels of ``options.groups``."""
    pop = _population(frame)
    labels = dict(GROUPS)
    if region_name:
        labels["region"] = f"Region ({region_name})"
    masks = {g: (frame[g].fillna(False).astype(bool) & pop) for g in options.groups}
    if options.reference_group not in masks:
        masks[options.reference_group] = frame[options.reference_group].fillna(False).astype(bool) & pop
    return masks, labels


def compare(frame: pd.DataFrame, metric: str | Metric, options: AnalysisOptions | None = None,
            region_name: str | None = None) -> pd.DataFrame:
    """One comparison table (see module docstring).

    Parameters
    ----------
    frame : the analysis frame from :func:`gds_jobs.analysis.frame.build_frame`.
    metric : a key of :data:`METRIC_BY_KEY` or a :class:`Metric`.
    options : groups, reference group, bootstrap settings.
    region_name : shown in the Region group's label.
    """
    opts = options or AnalysisOptions()
    m = METRIC_BY_KEY[metric] if isinstance(metric, str) else metric
    values = pd.to_numeric(frame[m.column], errors="coerce") if m.column in frame else \
        pd.Series(float("nan"), index=frame.index)
    if m.kind == "spillover":
        non = _population(frame) & ~frame["in_member"].astype(bool)
        linked = frame["spill_linked"].fillna(False).astype(bool)
        masks = {"linked": non & linked, "other": non & ~linked}
        labels, ref = SPILL_LABELS, "other"
    else:
        masks, labels = group_masks(frame, opts, region_name)
        masks = {g: masks[g] for g in opts.groups} | {opts.reference_group: masks[opts.reference_group]}
        ref = opts.reference_group
    notes = [m.note]
    mean_values = None
    if m.winsorize and opts.winsorize > 0:
        pop_vals = values[_population(frame)].dropna()
        if len(pop_vals):
            lo, hi = pop_vals.quantile([opts.winsorize, 1 - opts.winsorize]).tolist()
            mean_values = values.clip(lo, hi)
            notes.append(f"Means and intervals use values winsorised to the population's {opts.winsorize:.0%}–"
                         f"{1 - opts.winsorize:.0%} quantiles ({lo:.4g} to {hi:.4g}); medians and p-values use "
                         "the raw values.")
    table = summarise_groups(values, masks, labels, ref, resamples=opts.bootstrap, confidence=opts.confidence,
                             seed=opts.seed, mean_values=mean_values)
    if m.key == "profitability":
        pop_rows = frame[_population(frame)]
        basis = pop_rows["profitability_basis"].value_counts() if "profitability_basis" in pop_rows else {}
        notes.append(f"Basis in the population: EBITDA: {int(basis.get('ebitda', 0))} firms; operating result: "
                     f"{int(basis.get('operating_result', 0))} firms.")
    if "region" in masks and ref == "neither" and m.kind == "groups":
        notes.append("The Region group overlaps the reference group (its non-member firms are in both); "
                     "the test is then conservative.")
    table.attrs.update({"key": m.key, "title": m.title, "figure": m.figure, "unit": m.unit,
                        "notes": notes, "column": m.column})
    return table


def compare_all(frame: pd.DataFrame, options: AnalysisOptions | None = None,
                region_name: str | None = None) -> dict[str, pd.DataFrame]:
    """Every comparison of :data:`METRICS`, keyed by metric key."""
    return {m.key: compare(frame, m, options, region_name) for m in METRICS}


def compare_constraint(frame: pd.DataFrame, options: AnalysisOptions | None = None, region_name: str | None = None
                       ) -> pd.DataFrame:
    """Fig. 8."""
    return compare(frame, "constraint", options, region_name)


def compare_eigenvector(frame: pd.DataFrame, options: AnalysisOptions | None = None, region_name: str | None = None
                        ) -> pd.DataFrame:
    """Fig. 9."""
    return compare(frame, "eigenvector", options, region_name)


def compare_support(frame: pd.DataFrame, options: AnalysisOptions | None = None, region_name: str | None = None
                    ) -> pd.DataFrame:
    """Fig. 10."""
    return compare(frame, "support", options, region_name)


def compare_patents(frame: pd.DataFrame, options: AnalysisOptions | None = None, region_name: str | None = None
                    ) -> pd.DataFrame:
    """Fig. 11."""
    return compare(frame, "patents", options, region_name)


def compare_spillover(frame: pd.DataFrame, options: AnalysisOptions | None = None) -> dict[str, pd.DataFrame]:
    """Figs. 12–13: applications and patents of linked vs other non-members."""
    return {k: compare(frame, k, options) for k in ("spillover_applications", "spillover_patents")}


def compare_profitability(frame: pd.DataFrame, options: AnalysisOptions | None = None,
                          region_name: str | None = None) -> pd.DataFrame:
    """Fig. 14."""
    return compare(frame, "profitability", options, region_name)


def compare_growth(frame: pd.DataFrame, options: AnalysisOptions | None = None, region_name: str | None = None
                   ) -> pd.DataFrame:
    """Fig. 15."""
    return compare(frame, "growth", options, region_name)


HYPOTHESES = (
    ("constraint", "patents", "negative"),
    ("constraint", "support", "negative"),
    ("eigenvector", "patents", "positive"),
    ("eigenvector", "support", "positive"),
)


def hypotheses(frame: pd.DataFrame) -> pd.DataFrame:
    """The study's hypotheses as Spearman rank correlations within the population.

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``expected`` (sign the study expects), ``n`` (pairs with both
        values), ``rho``, ``p`` and ``agrees`` (rho has the expected sign and p < 0.05).
    """
    pop = frame[_population(frame)]
    rows = []
    for x, y, sign in HYPOTHESES:
        a = pd.to_numeric(pop[x], errors="coerce") if x in pop else pd.Series(dtype=float)
        b = pd.to_numeric(pop[y], errors="coerce") if y in pop else pd.Series(dtype=float)
        n, rho, p = spearman(a, b)
        agrees = bool(not math.isnan(p) and p < 0.05 and ((rho < 0) if sign == "negative" else (rho > 0)))
        rows.append({"x": x, "y": y, "expected": sign, "n": n, "rho": rho, "p": p, "agrees": agrees})
    out = pd.DataFrame(rows, columns=["x", "y", "expected", "n", "rho", "p", "agrees"])
    out.attrs.update({"title": "Hypotheses as rank correlations (Spearman's rho)",
                      "notes": [("Within the population; pairs where both values exist. Expected signs from the "
                                "study: lower constraint and higher eigenvector centrality go with more patents "
                                "and grants.")]})
    return out
