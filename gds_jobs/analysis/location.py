"""Location quotients and shift-share: how specialised the region is, against Norway and peers.

Location quotient (employment)
------------------------------
For industry i and region r with registered employees e (active units, by business address):

    LQ_ir = (e_ir / e_r) / (E_i / E)

the industry's share of the region's employment over its share of Norway's. LQ > 1: the region
is specialised in i. Industries are NACE divisions (the first two digits of the main code) and
the study's value-creation areas (:mod:`klynge.reference.valueareas`). Multi-site firms count
at their business address (the register's main-unit employee count).

"Strong" specialisation
-----------------------
The usual screening rule in cluster mapping: LQ ≥ 1.25 together with a minimum employment in the
region, so that a handful of jobs in a rare industry is not called a cluster. The 1.25 cut is the
one of the UK Department of Trade and Industry's cluster mapping (Miller, Botham, Martin and
Moore 2001) and of many regional cluster studies since; the minimum employment (100 by default) is
Klynge's choice. Both numbers are
options (``lq_threshold``, ``lq_min_employment``) and stated in the report.

Shift-share (operating revenue)
-------------------------------
The register keeps only the current employee count, so the change is measured on operating
revenue (NOK) of the firms that filed company accounts in both the base and the end year (a
balanced panel). For industry i (Dunn 1960; Esteban-Marquillas 1972 for the notation):

    Δx_ir = x_ir⁰·g  +  x_ir⁰·(g_i − g)  +  x_ir⁰·(g_ir − g_i)
          = national share + industry mix + regional shift

with g Norway's growth over all industries, g_i Norway's growth in i and g_ir the region's. A
positive regional shift means the region's firms in i grew faster than the same industry in
Norway.

References
----------
E. S. Dunn, "A statistical and analytical technique for regional analysis", *Papers of the
Regional Science Association* 6 (1960). J. Esteban-Marquillas, *Regional and Urban Economics* 2
(1972). P. Miller et al., *Business Clusters in the UK*, Department of Trade and Industry (2001).
M. Delgado, M. E. Porter and S. Stern, "Defining clusters of related industries", *Journal of
Economic Geography* 16(1), 2016.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from klynge.reference.valueareas import ValueAreaRules

LQ_COLUMNS = ["region", "level", "industry", "name", "units", "employment", "region_share", "norway_employment",
              "norway_share", "lq", "strong"]
SHIFT_COLUMNS = ["region", "level", "industry", "name", "firms", "base_revenue", "end_revenue", "change",
                 "national_share", "industry_mix", "regional_shift"]


def _keys(rows: pd.DataFrame, level: str, rules: ValueAreaRules | None) -> pd.Series:
    code = rows["nace"].fillna("").astype(str)
    if level == "division":
        return code.str[:2].where(code.str[:2].str.fullmatch(r"\d\d"), "??")
    assert rules is not None
    versions = rows["nace_version"] if "nace_version" in rows else pd.Series("SN2025", index=rows.index)
    return pd.Series([rules.area_of(c or None, v) for c, v in zip(code, versions, strict=True)], index=rows.index)


def location_quotients(employment: pd.DataFrame, regions: Mapping[str, Sequence[str]], *, level: str = "division",
                       rules: ValueAreaRules | None = None, names: Mapping[str, str] | None = None,
                       threshold: float = 1.25, min_employment: int = 100) -> pd.DataFrame:
    """LQ of every industry for each region (long table, :data:`LQ_COLUMNS`).

    Parameters
    ----------
    employment : ``municipality_code``, ``nace``, ``nace_version``, ``employees``, ``units`` rows
        (the ``analysis/employment`` query): Norway's employment.
    regions : region name -> its municipality numbers (older numbers included).
    level : ``division`` (NACE two digits) or ``value_area``.
    rules : the value areas (for ``value_area``; every area is listed, with 0 where the region has none).
    names : industry key -> display name.
    """
    e = employment.copy()
    e["employees"] = pd.to_numeric(e["employees"], errors="coerce").fillna(0)
    e["units"] = pd.to_numeric(e["units"], errors="coerce").fillna(0)
    e["key"] = _keys(e, level, rules)
    nat = e.groupby("key")["employees"].sum()
    total = float(nat.sum())
    keys = sorted(set(nat.index) | (set(rules.names()) if level == "value_area" and rules else set()))
    names = dict(names or {})
    if level == "value_area" and rules:
        names = {**rules.names(), **names}
    rows = []
    for region, codes in regions.items():
        part = e[e["municipality_code"].astype(str).isin({str(c) for c in codes})]
        emp = part.groupby("key")["employees"].sum()
        units = part.groupby("key")["units"].sum()
        rtotal = float(emp.sum())
        for k in keys:
            x = float(emp.get(k, 0.0))
            n_i = float(nat.get(k, 0.0))
            rs = x / rtotal if rtotal else np.nan
            ns = n_i / total if total else np.nan
            lq = rs / ns if ns and np.isfinite(rs) else np.nan
            rows.append({"region": region, "level": level, "industry": k, "name": names.get(k, ""),
                         "units": int(units.get(k, 0)), "employment": int(x), "region_share": rs,
                         "norway_employment": int(n_i), "norway_share": ns, "lq": lq,
                         "strong": bool(np.isfinite(lq) and lq >= threshold and x >= min_employment)})
    out = pd.DataFrame(rows, columns=LQ_COLUMNS)
    return out


def shift_share(panel: pd.DataFrame, region: str, codes: Sequence[str], *, level: str = "division",
                rules: ValueAreaRules | None = None, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Shift-share of operating revenue for one region (:data:`SHIFT_COLUMNS`), industries with region firms.

    Parameters
    ----------
    panel : ``municipality_code``, ``nace``, ``nace_version``, ``base_revenue``, ``end_revenue``, ``firms``
        (the ``analysis/revenue_panel`` query).
    """
    p = panel.copy()
    for c in ("base_revenue", "end_revenue", "firms"):
        p[c] = pd.to_numeric(p[c], errors="coerce").fillna(0)
    p["key"] = _keys(p, level, rules)
    nat = p.groupby("key")[["base_revenue", "end_revenue"]].sum()
    g = float(nat["end_revenue"].sum() / nat["base_revenue"].sum() - 1) if nat["base_revenue"].sum() else np.nan
    part = p[p["municipality_code"].astype(str).isin({str(c) for c in codes})]
    reg = part.groupby("key")[["base_revenue", "end_revenue", "firms"]].sum()
    names = dict(names or {})
    if level == "value_area" and rules:
        names = {**rules.names(), **names}
    rows = []
    for k, r in reg.iterrows():
        x0, x1 = float(r["base_revenue"]), float(r["end_revenue"])
        gi = float(nat.at[k, "end_revenue"] / nat.at[k, "base_revenue"] - 1) if nat.at[k, "base_revenue"] else np.nan
        gir = x1 / x0 - 1 if x0 else np.nan
        rows.append({"region": region, "level": level, "industry": k, "name": names.get(str(k), ""),
                     "firms": int(r["firms"]), "base_revenue": x0, "end_revenue": x1, "change": x1 - x0,
                     "national_share": x0 * g, "industry_mix": x0 * (gi - g),
                     "regional_shift": x0 * (gir - gi) if x0 else np.nan})
    out = pd.DataFrame(rows, columns=SHIFT_COLUMNS)
    return out.sort_values("base_revenue", ascending=False).reset_index(drop=True)
