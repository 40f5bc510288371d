"""The study's group comparisons (Figs. 8–15) and hypotheses as rank correlations.

Each comparison returns a DataFrame (one row per group: members, n, missing, mean with its
bootstrap CI, median; for the tested groups the test, raw p, Cliff's delta and the
Hodges–Lehmann shift with their CIs — :data:`gds_jobs.analysis.stats.SUMMARY_COLUMNS`) with
``attrs`` carrying the title, figure, unit, population, projection and notes.
:func:`adjust_family` fills the Holm and Benjamini–Hochberg p-values over every test of a
report. The web app, the CLI and the report use the same functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from gds_jobs.analysis.options import COMPARED_WITH, GROUPS, AnalysisOptions
from gds_jobs.analysis.population import POPULATION_LABELS, ROLE_LABELS
from gds_jobs.analysis.stats import benjamini_hochberg, holm, spearman, summarise_groups


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
           "Burt's constraint on the population's interlock network; undefined for isolates and firms without "
           "a counted seat, which count as missing. 0/1 ties unless the weighted option is chosen."),
    Metric("eigenvector", "eigenvector", "Eigenvector centrality within the largest connected component",
           "Fig. 9", "eigenvector centrality",
           "Computed on the largest connected component only; firms outside it are missing, not 0. On the whole "
           "graph every firm outside that component scores exactly 0, so a comparison of raw scores measures "
           "component membership rather than influence (see the network structure table)."),
    Metric("harmonic", "harmonic", "Harmonic centrality by group", "Fig. 9b", "harmonic centrality (0–1)",
           "Mean of 1/distance to every other firm of the network (unreachable firms add 0); defined for every "
           "firm of the population, isolates and firms without a counted seat score 0."),
    Metric("support", "support", "Grants and awards per firm from Forskningsrådet and Innovasjon Norge",
           "Fig. 10", "grants per firm", "Granted applications and awards in the window; a firm without any "
           "counts as 0, not as missing."),
    Metric("support_per_employee", "support_per_employee", "Grants and awards per employee", "Fig. 10b",
           "grants per employee", "Fig. 10's count divided by the firm's registered employees: groups differ "
           "in firm size."),
    Metric("patents", "patents", "Patent applications per firm", "Fig. 11", "applications per firm",
           "Patent applications in the window; a firm without any counts as 0."),
    Metric("patents_per_employee", "patents_per_employee", "Patent applications per employee", "Fig. 11b",
           "applications per employee", "Fig. 11's count divided by the firm's registered employees."),
    Metric("spillover_applications", "fr_applications",
           "Spill-over: research-council applications of non-members with and without a board link to an IN member",
           "Fig. 12", "applications per firm",
           "Among firms that are not IN members: those tied in the network to an IN member (a person holds a "
           "counted seat in both) against the others. Forskningsrådet applications in the window, granted or "
           "not.", "spillover"),
    Metric("spillover_patents", "patents",
           "Spill-over: patent applications of non-members with and without a board link to an IN member",
           "Fig. 13", "applications per firm",
           "Same groups as Fig. 12; patent applications in the window.", "spillover"),
    Metric("profitability", "profitability", "Profitability", "Fig. 14", "ratio",
           "Newest filing with total assets > 0. The title says what was computed: EBITDA / total assets where "
           "the filing has EBITDA, operating result (EBIT) / total assets otherwise; the basis counts are given "
           "below.", winsorize=True),
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
        labels["region_neither"] = f"Region ({region_name}), neither IN nor SIVA"
        labels["other_neither"] = f"Outside {region_name}, neither IN nor SIVA"
    keys = list(options.groups) + [g for g in (options.reference_group,) if g not in options.groups]
    masks = {g: (frame[g].fillna(False).astype(bool) & pop) for g in keys}
    return masks, labels


def comparisons(options: AnalysisOptions) -> dict[str, str]:
    """Which shown group is tested against which (IN and SIVA against the reference group; the region's
    non-members against non-members elsewhere)."""
    pairs = {g: (options.reference_group if r == "neither" else r) for g, r in COMPARED_WITH.items()}
    return {g: r for g, r in pairs.items() if g in options.groups and g != r}


def population_label(frame: pd.DataFrame, options: AnalysisOptions) -> str:
    """The caption's population: kind, size rule and n."""
    kind = frame.attrs.get("population", options.population)
    n = int(_population(frame).sum())
    return (f"{POPULATION_LABELS.get(kind, kind)}, active, at least {options.min_employees} employees "
            f"(n = {n:,})")


def projection_label(frame: pd.DataFrame, options: AnalysisOptions) -> str:
    """The caption's network: seats, size, and the measures' source."""
    net = frame.attrs.get("network") or {}
    roles = frame.attrs.get("roles", options.roles)
    text = (f"interlock network of this population tied by {ROLE_LABELS.get(roles, roles)}: "
            f"{net.get('nodes', 0):,} nodes, {net.get('ties', 0):,} ties, {net.get('isolates', 0):,} isolates, "
            f"largest component {net.get('largest_component', 0):,}")
    if net.get("replaced_measures"):
        text += f" (values of {', '.join(net['replaced_measures'])} supplied from elsewhere, not this network)"
    return text


def profitability_title(frame: pd.DataFrame) -> str:
    """Fig. 14's title from what was computed: the basis counts in the population."""
    pop = frame[_population(frame)]
    basis = pop["profitability_basis"].value_counts() if "profitability_basis" in pop else pd.Series(dtype=int)
    e, o = int(basis.get("ebitda", 0)), int(basis.get("operating_result", 0))
    if e == 0:
        return "Profitability: operating result / total assets"
    if o == 0:
        return "Profitability: EBITDA / total assets"
    return (f"Profitability: EBITDA / total assets ({e:,} firms), operating result / total assets where EBITDA "
            f"is missing ({o:,} firms)")


def compare(frame: pd.DataFrame, metric: str | Metric, options: AnalysisOptions | None = None,
            region_name: str | None = None) -> pd.DataFrame:
    """One comparison table (see module docstring).

    Parameters
    ----------
    frame : the analysis frame from :func:`gds_jobs.analysis.frame.build_frame`.
    metric : a key of :data:`METRIC_BY_KEY` or a :class:`Metric`.
    options : groups, comparisons, test and bootstrap settings, constraint weighting.
    region_name : shown in the Region groups' labels.
    """
    opts = options or AnalysisOptions()
    m = METRIC_BY_KEY[metric] if isinstance(metric, str) else metric
    column = "constraint_weighted" if (m.key == "constraint" and opts.weighted) else m.column
    values = pd.to_numeric(frame[column], errors="coerce") if column in frame else \
        pd.Series(float("nan"), index=frame.index)
    if m.kind == "spillover":
        non = _population(frame) & ~frame["in_member"].astype(bool)
        linked = frame["spill_linked"].fillna(False).astype(bool)
        masks = {"linked": non & linked, "other": non & ~linked}
        labels, pairs = SPILL_LABELS, {"linked": "other"}
    else:
        masks, labels = group_masks(frame, opts, region_name)
        pairs = comparisons(opts)
    notes = [m.note]
    mean_values = None
    if m.winsorize and opts.winsorize > 0:
        pop_vals = values[_population(frame)].dropna()
        if len(pop_vals):
            lo, hi = pop_vals.quantile([opts.winsorize, 1 - opts.winsorize]).tolist()
            mean_values = values.clip(lo, hi)
            notes.append(f"Means and intervals use values winsorised to the population's {opts.winsorize:.0%}–"
                         f"{1 - opts.winsorize:.0%} quantiles ({lo:.4g} to {hi:.4g}); medians, tests and effect "
                         "sizes use the raw values.")
    table = summarise_groups(values, masks, labels, pairs, resamples=opts.bootstrap, confidence=opts.confidence,
                             seed=opts.seed, mean_values=mean_values, min_n=opts.min_group_n,
                             exact_below=opts.exact_below, permutations=opts.permutations)
    title = m.title
    if m.key == "profitability":
        title = profitability_title(frame)
        pop_rows = frame[_population(frame)]
        basis = pop_rows["profitability_basis"].value_counts() if "profitability_basis" in pop_rows else {}
        notes.append(f"Basis in the population: EBITDA: {int(basis.get('ebitda', 0))} firms; operating result: "
                     f"{int(basis.get('operating_result', 0))} firms.")
    if m.key == "constraint":
        title += " (tie weights)" if opts.weighted else " (0/1 ties)"
    if "region" in masks and m.kind == "groups":
        notes.append("The Region row is descriptive: it overlaps the comparison groups. The region is tested with "
                     "disjoint groups: its firms that are neither IN nor SIVA members against such firms elsewhere.")
    table.attrs.update({"key": m.key, "title": title, "figure": m.figure, "unit": m.unit,
                        "notes": notes, "column": column,
                        "population": population_label(frame, opts), "projection": projection_label(frame, opts)})
    return table


def network_structure(frame: pd.DataFrame, options: AnalysisOptions | None = None,
                      region_name: str | None = None) -> pd.DataFrame:
    """Per group: how many firms have a counted seat, are isolated, or sit in the largest component.

    The direct evidence for an "inward-looking" group: a high isolated share or a low share in the
    largest component. Columns ``group``, ``label``, ``members``, ``in_network`` (a counted seat),
    ``isolated`` (no tie, seat or not), ``share_isolated``, ``in_largest_component``,
    ``share_in_largest_component``, ``median_degree``.
    """
    opts = options or AnalysisOptions()
    masks, labels = group_masks(frame, opts, region_name)
    rows = []
    for g in opts.groups:
        sub = frame[masks[g]]
        n = len(sub)
        iso = int(sub["isolated"].sum()) if "isolated" in sub else 0
        lcc = int(sub["in_lcc"].sum()) if "in_lcc" in sub else 0
        rows.append({"group": g, "label": labels.get(g, g), "members": n,
                     "in_network": int(sub["in_network"].sum()) if "in_network" in sub else 0,
                     "isolated": iso, "share_isolated": iso / n if n else float("nan"),
                     "in_largest_component": lcc, "share_in_largest_component": lcc / n if n else float("nan"),
                     "median_degree": float(sub["degree"].median()) if n and "degree" in sub else float("nan")})
    out = pd.DataFrame(rows)
    out.attrs.update({"key": "network_structure", "figure": "Fig. 9a",
                      "title": "Isolated firms and firms in the largest connected component, by group",
                      "population": population_label(frame, opts), "projection": projection_label(frame, opts),
                      "notes": ["isolated: no tie to another firm of the population (including firms without a "
                                "counted seat); in_largest_component: in the network's largest connected component, "
                                "the only place eigenvector centrality is defined (Fig. 9)."]})
    return out


def adjust_family(tables: dict[str, pd.DataFrame], hypotheses_table: pd.DataFrame | None = None) -> str:
    """Holm and Benjamini–Hochberg adjusted p-values over every test of ``tables`` (and the hypotheses).

    Fills ``p_holm`` and ``p_bh`` in place (``hypotheses_table`` gets them beside ``p``) and
    returns a sentence naming the family, which is also stored as ``attrs["family"]``.
    """
    refs: list[tuple[pd.DataFrame, str, int]] = []
    for t in tables.values():
        if "p_raw" in t:
            refs += [(t, "p_raw", i) for i in t.index[t["p_raw"].notna()]]
    n_groups = len(refs)
    if hypotheses_table is not None and len(hypotheses_table):
        refs += [(hypotheses_table, "p", i) for i in hypotheses_table.index[hypotheses_table["p"].notna()]]
    p = [float(t.at[i, col]) for t, col, i in refs]
    h, b = holm(p), benjamini_hochberg(p)
    for t in [*tables.values(), *([hypotheses_table] if hypotheses_table is not None else [])]:
        if "p_raw" in t or t is hypotheses_table:
            t["p_holm"] = float("nan")
            t["p_bh"] = float("nan")
    for (t, _, i), ph, pb in zip(refs, h, b, strict=True):
        t.at[i, "p_holm"] = ph
        t.at[i, "p_bh"] = pb
    family = (f"{len(p)} tests: {n_groups} group comparisons of the figures"
              + (f" and {len(p) - n_groups} hypothesis correlations" if len(p) > n_groups else "")
              + "; groups with fewer values than the minimum are not tested and not counted")
    for t in [*tables.values(), *([hypotheses_table] if hypotheses_table is not None else [])]:
        t.attrs["family"] = family
    return family


def compare_all(frame: pd.DataFrame, options: AnalysisOptions | None = None,
                region_name: str | None = None, hypotheses_table: pd.DataFrame | None = None
                ) -> dict[str, pd.DataFrame]:
    """Every comparison of :data:`METRICS`, keyed by metric key, with the p-values adjusted over them
    (and over ``hypotheses_table`` when given: :func:`adjust_family`)."""
    out = {m.key: compare(frame, m, options, region_name) for m in METRICS}
    adjust_family(out, hypotheses_table)
    return out


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


def hypotheses(frame: pd.DataFrame, options: AnalysisOptions | None = None) -> pd.DataFrame:
    """The study's hypotheses as Spearman rank correlations within the population.

    Returns
    -------
    pandas.DataFrame
        Columns ``x``, ``y``, ``expected`` (sign the study expects), ``n`` (pairs with both
        values), ``rho``, ``p``, ``p_holm``, ``p_bh`` (NaN until :func:`adjust_family`) and
        ``agrees`` (rho has the expected sign and raw p < 0.05; :func:`adjust_family` does not change it).
    """
    opts = options or AnalysisOptions()
    pop = frame[_population(frame)]
    rows = []
    for x, y, sign in HYPOTHESES:
        col = "constraint_weighted" if (x == "constraint" and opts.weighted) else x
        a = pd.to_numeric(pop[col], errors="coerce") if col in pop else pd.Series(dtype=float)
        b = pd.to_numeric(pop[y], errors="coerce") if y in pop else pd.Series(dtype=float)
        n, rho, p = spearman(a, b)
        agrees = bool(not math.isnan(p) and p < 0.05 and ((rho < 0) if sign == "negative" else (rho > 0)))
        rows.append({"x": x, "y": y, "expected": sign, "n": n, "rho": rho, "p": p, "agrees": agrees})
    out = pd.DataFrame(rows, columns=["x", "y", "expected", "n", "rho", "p", "agrees"])
    out.insert(6, "p_holm", float("nan"))
    out.insert(7, "p_bh", float("nan"))
    out.attrs.update({"title": "Hypotheses as rank correlations (Spearman's rho)",
                      "population": population_label(frame, opts), "projection": projection_label(frame, opts),
                      "notes": [("Within the population; pairs where both values exist. Expected signs from the "
                                "study: lower constraint and higher eigenvector centrality go with more patents "
                                "and grants. Eigenvector centrality is defined in the largest component only, so "
                                "its correlations cover those firms.")]})
    return out
