"""Critical mass (the study's section 4.2, Tables 5–6, Figs. 16–17).

Method
------
1. The region's units (by ``options.region_by``), active unless ``active_only`` is off.
2. Leave out resale (NACE prefixes ``rules.resale_prefixes``: motor-vehicle trade,
   wholesale, retail) and savings banks (org form SPA, or NACE 64.190 with "sparebank"
   in the name), each code matched in its own NACE version (SN2025 or SN2007).
3. Leave out units without an operating revenue in NOK in the revenue year — they cannot be
   ranked. The report fixes that year (``revenue_year``, by default the newest year in which the
   region's units filed at least 90 % as many accounts as in their best year) and states it.
4. Keep the ``top_n`` (200) largest by operating revenue (ties by orgnr).
5. Group by value-creation area (longest matching NACE prefix; "Annet" otherwise).

Thresholds (flags)
------------------
* Critical mass: the study asks for "more than 20–30 larger firms that complement
  each other". A *larger* firm has more than ``larger_firm_employees`` (20) employees,
  the cut the study's Table 6 discussion uses. More than 30 → ``met``; more than 20 →
  ``borderline``; otherwise ``not met``.
* Innovasjon Norge's start of a cluster: 8–10 core firms, one of which may be an
  anchor firm. ``core ready`` when the area has at least 8 firms among the top N and
  one of them has more than ``anchor_employees`` (100) employees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from gds_jobs.analysis.options import AnalysisOptions
from klynge.reference.valueareas import ValueAreaRules

BANDS: tuple[tuple[str, float, float], ...] = (
    ("1–5", 1, 5), ("6–10", 6, 10), ("11–15", 11, 15), ("16–20", 16, 20), ("21–30", 21, 30),
    ("31–50", 31, 50), ("51–100", 51, 100), (">100", 101, np.inf),
)
NO_EMPLOYEES = "0 / not registered"


def employee_band(employees: float | None, has_count: bool | None = None) -> str:
    """The study's employee band; a unit with a registered count but no number has 1–4 (hidden)."""
    if employees is None or (isinstance(employees, float) and np.isnan(employees)):
        return BANDS[0][0] if has_count else NO_EMPLOYEES
    e = float(employees)
    for label, lo, hi in BANDS:
        if lo <= e <= hi:
            return label
    return NO_EMPLOYEES


def select_top(frame: pd.DataFrame, rules: ValueAreaRules, options: AnalysisOptions | None = None
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The top-N table and a table of how many region units each step left out."""
    opts = options or AnalysisOptions()
    units = frame[frame["region"].fillna(False).astype(bool)].copy()
    steps = [("units in the region", len(units))]
    if opts.active_only and "active" in units:
        units = units[units["active"].fillna(False).astype(bool)]
        steps.append(("active", len(units)))
    units["code"] = units["nace"]
    versions = units["nace_version"] if "nace_version" in units else pd.Series("SN2025", index=units.index)
    names = units["name"] if "name" in units else pd.Series(None, index=units.index)
    resale = pd.Series([rules.is_resale(c, v) for c, v in zip(units["code"], versions, strict=True)],
                       index=units.index, dtype=bool)
    savings = pd.Series([rules.is_savings_bank(c, f, v, n) for c, f, v, n in
                         zip(units["code"], units["org_form"], versions, names, strict=True)],
                        index=units.index, dtype=bool)
    units = units[~resale & ~savings]
    steps.append((f"after leaving out resale ({int(resale.sum())}) and savings banks ({int(savings.sum())})",
                  len(units)))
    units = units[pd.to_numeric(units["revenue"], errors="coerce").notna()]
    steps.append(("with an operating revenue in NOK", len(units)))
    units = units.assign(revenue=pd.to_numeric(units["revenue"], errors="coerce"))
    units = units.sort_values(["revenue", "orgnr"], ascending=[False, True]).head(opts.top_n)
    steps.append((f"top {opts.top_n} by operating revenue", len(units)))
    versions = units["nace_version"] if "nace_version" in units else pd.Series("SN2025", index=units.index)
    units["area"] = [rules.area_of(c, v) for c, v in zip(units["code"], versions, strict=True)]
    units["area_name"] = units["area"].map(rules.names())
    units["band"] = [employee_band(e, h) for e, h in zip(units["employees"], units.get(
        "has_employee_count", [None] * len(units)), strict=True)]
    cols = ["orgnr", "name", "code", "nace_version", "org_form", "area", "area_name", "employees", "band", "revenue",
            "revenue_year",
            "in_member"]
    top = units[[c for c in cols if c in units]].reset_index(drop=True)
    top.insert(0, "rank", range(1, len(top) + 1))
    return top, pd.DataFrame(steps, columns=["step", "units"])


def table5(top: pd.DataFrame, rules: ValueAreaRules) -> pd.DataFrame:
    """Firms, operating revenue (NOK 1000) and employees per value area, most firms first.

    Every value area of ``rules`` is listed, those without a firm among the top N with 0, so a
    reader sees what is absent as well as what is there; the default area ("Annet") comes last.
    """
    g = top.groupby(["area", "area_name"], dropna=False)
    out = pd.DataFrame({
        "firms": g.size(),
        "revenue_nok_1000": g["revenue"].sum() / 1000.0,
        "employees": g["employees"].sum(min_count=0),
    }).reset_index()
    names = rules.names()
    absent = [a for a in names if a not in set(out["area"])]
    if absent:
        out = pd.concat([out, pd.DataFrame({"area": absent, "area_name": [names[a] for a in absent], "firms": 0,
                                            "revenue_nok_1000": 0.0, "employees": 0})], ignore_index=True)
    out["revenue_nok_1000"] = pd.to_numeric(out["revenue_nok_1000"], errors="coerce").fillna(0).round().astype("int64")
    out["employees"] = pd.to_numeric(out["employees"], errors="coerce").fillna(0).astype("int64")
    out["firms"] = out["firms"].astype("int64")
    out["is_other"] = out["area"] == rules.other_id
    out = out.sort_values(["is_other", "firms", "revenue_nok_1000", "area"], ascending=[True, False, False, True])
    out = out.drop(columns="is_other").reset_index(drop=True)
    out.attrs.update({"title": "Table 5: firms, operating revenue (NOK 1000) and employees by value-creation area",
                      "figure": "Table 5", "other_id": rules.other_id})
    return out


def value_area_mapping(rules: ValueAreaRules) -> pd.DataFrame:
    """Which NACE code prefixes make each value area (SN2025 and SN2007), as the report prints it."""
    rows = [{"area": a.id, "area_name": a.name, "nace_sn2025": ", ".join(a.nace_prefixes),
             "nace_sn2007": ", ".join(a.for_version("SN2007"))} for a in rules.areas]
    rows.append({"area": rules.other_id, "area_name": rules.other_name, "nace_sn2025": "every other code",
                 "nace_sn2007": "every other code"})
    out = pd.DataFrame(rows, columns=["area", "area_name", "nace_sn2025", "nace_sn2007"])
    out.attrs.update({"title": "Value-creation areas: NACE code prefixes", "figure": "Table 5a",
                      "notes": ["The grouping of NACE codes into the study's value-creation areas is Klynge's own "
                                "reading of the study (it names the areas, not the codes); a code belongs to the "
                                "area with its longest matching prefix."]})
    return out


def table6(top: pd.DataFrame, area_order: list[str]) -> pd.DataFrame:
    """Firms per employee band (rows) and value area (columns), the study's Table 6."""
    labels = [b[0] for b in BANDS] + [NO_EMPLOYEES]
    ct = pd.crosstab(top["band"], top["area_name"]).reindex(index=labels, columns=area_order, fill_value=0)
    ct = ct.fillna(0).astype("int64")
    if ct.loc[NO_EMPLOYEES].sum() == 0:
        ct = ct.drop(index=NO_EMPLOYEES)
    ct.index.name = "employees"
    out = ct.reset_index()
    out.columns.name = None
    out.attrs.update({"title": "Table 6: firms by number of employees and value-creation area", "figure": "Table 6"})
    return out


def nace_breakdown(top: pd.DataFrame) -> pd.DataFrame:
    """Firms, revenue (NOK 1000) and employees per NACE code inside each area (Figs. 16–17)."""
    g = top.groupby(["area", "area_name", "code"], dropna=False)
    out = pd.DataFrame({"firms": g.size(), "revenue_nok_1000": (g["revenue"].sum() / 1000.0).round(),
                        "employees": g["employees"].sum(min_count=0)}).reset_index()
    out["revenue_nok_1000"] = out["revenue_nok_1000"].astype("int64")
    out["employees"] = pd.to_numeric(out["employees"], errors="coerce").fillna(0).astype("int64")
    out = out.sort_values(["area", "firms", "revenue_nok_1000"], ascending=[True, False, False]).reset_index(drop=True)
    out.attrs.update({"title": "NACE breakdown inside each value-creation area", "figure": "Figs. 16–17"})
    return out


def flags(top: pd.DataFrame, area_order: list[str], options: AnalysisOptions | None = None) -> pd.DataFrame:
    """Per area: larger firms, anchor, and the study's critical-mass and core-firm flags."""
    opts = options or AnalysisOptions()
    lo, hi = opts.critical_mass_range
    rows = []
    for name in area_order:
        part = top[top["area_name"] == name]
        emp = pd.to_numeric(part["employees"], errors="coerce")
        larger = int((emp > opts.larger_firm_employees).sum())
        anchor = part.loc[emp > opts.anchor_employees]
        status = "met" if larger > hi else "borderline" if larger > lo else "not met"
        core = "ready" if len(part) >= opts.core_firms[0] and len(anchor) else \
            "no anchor firm" if len(part) >= opts.core_firms[0] else "too few core firms"
        rows.append({"area_name": name, "firms": len(part), "larger_firms": larger,
                     "largest_employees": int(emp.max()) if emp.notna().any() else 0,
                     "anchor_firms": len(anchor),
                     "anchor": (anchor.sort_values("employees", ascending=False)["name"].iloc[0]
                                if len(anchor) else None),
                     "critical_mass": status, "in_core": core})
    out = pd.DataFrame(rows, columns=["area_name", "firms", "larger_firms", "largest_employees", "anchor_firms",
                                      "anchor", "critical_mass", "in_core"])
    out.attrs.update({
        "title": "Critical-mass flags by value-creation area",
        "notes": [(f"critical_mass: 'met' with more than {hi} firms of more than {opts.larger_firm_employees} "
                  f"employees, 'borderline' with more than {lo} (the study: 'more than 20–30 larger firms that "
                  "complement each other')."),
                  (f"in_core: Innovasjon Norge's {opts.core_firms[0]}–{opts.core_firms[1]} core firms including an "
                  f"anchor firm (more than {opts.anchor_employees} employees) among the area's top-N firms.")]})
    return out


def critical_mass(frame: pd.DataFrame, rules: ValueAreaRules, options: AnalysisOptions | None = None
                  ) -> dict[str, pd.DataFrame]:
    """All critical-mass tables: ``top_firms``, ``steps``, ``table5``, ``value_areas``, ``table6``,
    ``nace_breakdown``, ``flags``.

    Parameters
    ----------
    frame : the analysis frame (needs ``region``, ``nace``, ``org_form``, ``employees``, ``revenue``).
    rules : the value areas and exclusion lists.
    options : ``top_n``, ``revenue_year``, thresholds.
    """
    opts = options or AnalysisOptions()
    top, steps = select_top(frame, rules, opts)
    t5 = table5(top, rules)
    order = list(t5["area_name"])
    steps.attrs["title"] = "Units considered for critical mass, step by step"
    top.attrs["title"] = (f"The region's {opts.top_n} largest units by operating revenue "
                          "(resale and savings banks left out)")
    nb = nace_breakdown(top)
    attrs = dict(nb.attrs)
    rank = {name: i for i, name in enumerate(order)}  # areas in Table 5 order, "Annet" last
    nb = nb.iloc[sorted(range(len(nb)), key=lambda i: (rank.get(nb["area_name"].iloc[i], len(rank)),
                                                       -nb["firms"].iloc[i], -nb["revenue_nok_1000"].iloc[i]))]
    nb = nb.reset_index(drop=True)
    nb.attrs.update(attrs)
    return {"top_firms": top, "steps": steps, "table5": t5, "value_areas": value_area_mapping(rules),
            "table6": table6(top, order), "nace_breakdown": nb, "flags": flags(top, order, opts)}
