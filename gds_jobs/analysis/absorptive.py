"""Absorptive capacity in the region report: what advisors' interviews found, by group and beside the network.

CONFIDENTIAL. The tables here are made of advisors' assessments (klynge.assessments): they are for
advisors and above only. The region report includes them when asked (``assessments=True``; the
command line does unless ``--no-assessments``) and says so on its first line; the web app adds them
to the region analysis for advisors only, computed apart from the public analysis so no public figure
depends on them (their tests form their own family for the p-value adjustment).

Definitions
-----------
Assessment used
    Per organisation, its latest *final* assessment (by interview date; drafts are left out).
Scores
    ``acquisition``, ``assimilation``, ``transformation``, ``exploitation``: the mean of the dimension's
    items (1–7); ``acap``: the mean of the four (klynge.assessments.scores).
Groups
    IN member, SIVA member, Region and neither IN nor SIVA, as in the report's other figures
    (gds_jobs.analysis.frame), over every interviewed organisation the analysis knows (the
    population, the region's units and cluster members) whatever its size; "All interviewed" adds
    them up. An interviewed organisation the analysis does not know is counted in a note.
Per group and score
    n, median with a percentile bootstrap interval, mean with a percentile bootstrap interval
    (:func:`gds_jobs.analysis.stats.bootstrap_ci`, the report's resamples, level and seed), and
    ``small_n`` when n is below the report's ``min_group_n``: few interviews, read with care.
Correlations
    Spearman's rho of each score with Burt's constraint (on tie weights with the weighted option) and
    with eigenvector centrality (within the largest component), over the interviewed firms of the
    population that have both values (network measures exist for the population only), with a
    Fisher-z interval (Bonett–Wright), a raw p, and Holm and Benjamini–Hochberg p over these ten tests.
    ``expected`` is the study's implicit claim: closed networks (high constraint) go with low
    absorptive capacity, central firms with high.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from gds_jobs.analysis.options import GROUPS, AnalysisOptions
from gds_jobs.analysis.stats import benjamini_hochberg, bootstrap_ci, holm, spearman, spearman_ci

#: The scores, in the order the tables show them, with their titles.
SCORES: dict[str, str] = {"acquisition": "Acquisition", "assimilation": "Assimilation",
                          "transformation": "Transformation", "exploitation": "Exploitation",
                          "acap": "Absorptive capacity (mean of the four)"}
#: The groups shown (the issue's IN member / SIVA / Region / neither), then every interviewed organisation.
GROUP_KEYS: tuple[str, ...] = ("in_member", "siva_member", "region", "neither")
ALL = "all"
#: Network measures the scores are correlated with, and the sign the study's argument expects.
MEASURES: dict[str, str] = {"constraint": "negative", "eigenvector": "positive"}
ASSESSMENT_COLUMNS = ["assessment_id", "orgnr", "interview_date", "advisor", "instrument_version", *SCORES,
                      "synthetic"]
CONFIDENTIAL_NOTE = ("CONFIDENTIAL: advisors' interview assessments. For advisors and above only; do not publish "
                     "or pass on.")


def latest_final(assessments: pd.DataFrame) -> pd.DataFrame:
    """One row per orgnr: its latest final assessment (by interview date, then id); drafts left out."""
    if assessments is None or assessments.empty:
        return pd.DataFrame(columns=ASSESSMENT_COLUMNS)
    a = assessments.copy()
    if "status" in a:
        a = a[a["status"].fillna("final") == "final"]
    a["orgnr"] = a["orgnr"].astype(str)
    a = a.sort_values(["orgnr", "interview_date", "assessment_id"]).drop_duplicates("orgnr", keep="last")
    for c in SCORES:
        a[c] = pd.to_numeric(a[c], errors="coerce")
    return a.reindex(columns=ASSESSMENT_COLUMNS).reset_index(drop=True)


def interviewed_frame(frame: pd.DataFrame, assessments: pd.DataFrame, options: AnalysisOptions
                      ) -> tuple[pd.DataFrame, int]:
    """The analysis frame's rows of interviewed organisations with their scores, and how many interviewed
    organisations the frame does not hold."""
    latest = latest_final(assessments)
    f = frame.assign(orgnr=frame["orgnr"].astype(str))
    constraint = "constraint_weighted" if options.weighted else "constraint"
    keep = ["orgnr", "name", *GROUP_KEYS, "in_population", constraint, "eigenvector"]
    merged = latest.merge(f[[c for c in keep if c in f.columns]], on="orgnr", how="inner")
    merged = merged.rename(columns={constraint: "constraint"})
    for g in (*GROUP_KEYS, "in_population"):
        merged[g] = merged[g].fillna(False).astype(bool) if g in merged else False
    return merged.reset_index(drop=True), int(len(latest) - len(merged))


def _labels(region_name: str | None) -> dict[str, str]:
    labels = {g: GROUPS[g] for g in GROUP_KEYS}
    if region_name:
        labels["region"] = f"Region ({region_name})"
    labels[ALL] = "All interviewed"
    return labels


def group_scores(firms: pd.DataFrame, options: AnalysisOptions, region_name: str | None = None) -> pd.DataFrame:
    """Per score and group: ``n``, ``median`` with ``median_ci_low/high``, ``mean`` with ``mean_ci_low/high``,
    ``small_n`` (see the module docstring)."""
    labels = _labels(region_name)
    rows = []
    for s_i, (score, title) in enumerate(SCORES.items()):
        for g_i, g in enumerate((*GROUP_KEYS, ALL)):
            mask = firms[g] if g != ALL else pd.Series(True, index=firms.index)
            v = pd.to_numeric(firms.loc[mask, score], errors="coerce").dropna().to_numpy(float)
            seed = options.seed + 100 * s_i + g_i
            mlo, mhi = bootstrap_ci(v, "median", resamples=options.bootstrap, confidence=options.confidence,
                                    seed=seed)
            alo, ahi = bootstrap_ci(v, "mean", resamples=options.bootstrap, confidence=options.confidence,
                                    seed=seed + 50)
            rows.append({"score": score, "score_title": title, "group": g, "label": labels[g], "n": int(v.size),
                         "median": float(np.median(v)) if v.size else math.nan, "median_ci_low": mlo,
                         "median_ci_high": mhi, "mean": float(v.mean()) if v.size else math.nan,
                         "mean_ci_low": alo, "mean_ci_high": ahi, "small_n": bool(v.size < options.min_group_n)})
    return pd.DataFrame(rows)


def correlations(firms: pd.DataFrame, options: AnalysisOptions) -> pd.DataFrame:
    """Spearman's rho of each score with constraint and eigenvector over interviewed firms of the population
    (see the module docstring): ``score``, ``measure``, ``expected``, ``n``, ``rho``, ``rho_ci_low/high``,
    ``p``, ``p_holm``, ``p_bh``, ``small_n``, ``agrees`` (expected sign and Holm p below ``options.alpha``)."""
    pop = firms[firms["in_population"]] if "in_population" in firms else firms
    rows = []
    for score in SCORES:
        for measure, sign in MEASURES.items():
            n, rho, p = spearman(pd.to_numeric(pop[score], errors="coerce"),
                                 pd.to_numeric(pop[measure], errors="coerce"))
            lo, hi = spearman_ci(rho, n, options.confidence)
            rows.append({"score": score, "measure": measure, "expected": sign, "n": n, "rho": rho,
                         "rho_ci_low": lo, "rho_ci_high": hi, "p": p, "small_n": bool(n < options.min_group_n)})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"].to_numpy(float))
    out["p_bh"] = benjamini_hochberg(out["p"].to_numpy(float))
    out["agrees"] = [bool(math.isfinite(ph) and ph < options.alpha and ((r < 0) if e == "negative" else (r > 0)))
                     for r, ph, e in zip(out["rho"], out["p_holm"], out["expected"], strict=True)]
    return out[["score", "measure", "expected", "n", "rho", "rho_ci_low", "rho_ci_high", "p", "p_holm", "p_bh",
                "small_n", "agrees"]]


def firm_list(firms: pd.DataFrame, region_name: str | None = None) -> pd.DataFrame:
    """The interviewed organisations: orgnr, name, interview date, advisor, the scores, groups and measures."""
    cols = ["orgnr", "name", "interview_date", "advisor", *SCORES, "in_member", "siva_member", "region",
            "in_population", "constraint", "eigenvector", "synthetic"]
    out = firms.reindex(columns=cols).sort_values(["name", "orgnr"], na_position="last").reset_index(drop=True)
    out["synthetic"] = out["synthetic"].fillna(False).astype(bool)
    return out


def region_section(frame: pd.DataFrame, assessments: pd.DataFrame, options: AnalysisOptions,
                   region_name: str | None = None, population: str | None = None,
                   projection: str | None = None) -> dict[str, pd.DataFrame]:
    """The report's absorptive-capacity tables keyed ``absorptive_groups``, ``absorptive_correlations`` and
    ``absorptive_firms``; each carries ``attrs`` (title, notes, ``confidential`` True)."""
    firms, outside = interviewed_frame(frame, assessments, options)
    n_all = int(len(latest_final(assessments)))
    common = [CONFIDENTIAL_NOTE,
              f"{len(firms)} interviewed organisation(s) with a final assessment in this analysis"
              + (f"; {outside} more are outside it (not in the region, not cluster members and not in the "
                 "population)" if outside else "")
              + f". Groups with fewer than {options.min_group_n} interviews are marked small_n."]
    groups = group_scores(firms, options, region_name)
    groups.attrs.update({"key": "absorptive_groups", "figure": "Table 10",
                         "title": "Absorptive capacity by group: medians and means with 95 % bootstrap intervals",
                         "notes": [*common, "Scores 1-7: the mean of each dimension's items; acap the mean of the "
                                   "four dimensions. The latest final assessment of each organisation; drafts are "
                                   "left out. Intervals: percentile bootstrap "
                                   f"({options.bootstrap} resamples, seed {options.seed})."],
                         "confidential": True, "population": population, "projection": projection,
                         "interviewed": n_all})
    corr = correlations(firms, options)
    corr.attrs.update({"key": "absorptive_correlations", "figure": "Table 11",
                       "title": "Absorptive capacity and network position: Spearman correlations",
                       "notes": [*common, "Over interviewed firms of the population with both values (network "
                                 "measures exist for the population only). Expected signs: high constraint "
                                 "(a closed network) with low absorptive capacity, high eigenvector centrality "
                                 "with high. Intervals by Fisher's z (Bonett-Wright standard error); p adjusted "
                                 "by Holm and Benjamini-Hochberg over these ten correlations only, so no public "
                                 "figure's p-value depends on the interviews."],
                       "confidential": True, "population": population, "projection": projection})
    firms_t = firm_list(firms, region_name)
    firms_t.attrs.update({"key": "absorptive_firms", "title": "Interviewed organisations (advisors only)",
                          "notes": [CONFIDENTIAL_NOTE], "confidential": True})
    return {"absorptive_groups": groups, "absorptive_correlations": corr, "absorptive_firms": firms_t}


def as_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows of the ``analysis/assessments`` library query as a frame of :data:`ASSESSMENT_COLUMNS` + status."""
    return pd.DataFrame([{c: r.get(c) for c in [*ASSESSMENT_COLUMNS, "status"]} for r in rows],
                        columns=[*ASSESSMENT_COLUMNS, "status"])
