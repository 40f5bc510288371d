"""The synthetic Norway as compact numpy arrays (no per-record objects).

:func:`build_world` draws every unit, cluster, board seat and person once; the
writers then turn index ranges of these arrays into records chunk by chunk.  Memory
is about a hundred bytes per unit plus a dozen per seat and person (peak under 1 GB at
1.1 M units, mostly sort keys of the seat matching), never a list of dicts.

Order of draws (all from one ``numpy.random.Generator``): specials and ordinary units
-> NACE, employees, status -> clusters -> outcomes (revenue, margin, growth) -> the
focus region's Table 5 top firms -> seats -> persons and matching -> spill-over flags ->
grant, award and patent counts.
"""

from __future__ import annotations

import math

import numpy as np

from klynge.errors import ConfigError
from loaders.synth import orgnr as orgnr_mod
from loaders.synth.forms import (
    BUSINESS_EXCLUDED, FILING_FORMS, FORM_CODES, FORM_DIVISIONS, FORM_INDEX, FORMS, ROLE_INDEX,
)
from loaders.synth.geo import Geography, load_geography
from loaders.synth.industry import IndustryTable, load_industry
from loaders.synth.knobs import TABLE5, Knobs
from loaders.synth.boards import draw_persons, draw_seats
from loaders.synth.memberships import draw_clusters, siva_count
from loaders.synth.model import HOLDER_PERSON, HOLDER_SAME_AS_CHAIR, KIND_INDEX, World
from loaders.synth.specials import (
    COLLEGES, GOVERNMENT, INSTITUTES, MINISTRIES, NWC_MEMBERS, REGIONAL, UNIVERSITIES, Special,
)

def _pick_muni(geo: Geography, code: str, rng: np.random.Generator) -> int:
    if code in geo.codes:
        return geo.codes.index(code)
    same = [i for i, k in enumerate(geo.county) if k == code[:2]]
    if same:
        return same[int(np.argmax(geo.weights[same]))]
    return int(rng.choice(len(geo.codes), p=geo.weights))


def _nace_idx(ind: IndustryTable, prefixes: tuple[str, ...]) -> int:
    return ind.codes.index(ind.first(*prefixes))


def _specials(geo: Geography, units: int, rng: np.random.Generator, knobs: Knobs) -> list[Special]:
    out: list[Special] = list(MINISTRIES + UNIVERSITIES + COLLEGES + INSTITUTES + GOVERNMENT + REGIONAL + NWC_MEMBERS)
    # facilitating organisations of the clusters (+ Norwegian Wood Cluster) and SIVA hosts; named and placed
    # when the clusters are drawn
    for j in range(knobs.n_clusters + 1):
        out.append(Special(f"KLYNGEORGANISASJON {j + 1}", "FLI" if j % 3 else "AS", ("94.1", "70.2", "94"), "0301",
                           "intermediary", 3 + j % 8))
    for j in range(siva_count(units, knobs)):
        out.append(Special(f"SIVA-VERT {j + 1}", "AS", ("70.2", "82.1", "70"), "0301", "intermediary", 2 + j % 5))
    keep_p = min(1.0, units / 200_000)  # all municipalities as units at Norway scale
    region = {"3305", "3310", "3236", "3316", "3318"}
    for code, name in zip(geo.codes, geo.names, strict=True):
        if code in region or code == "0301" or rng.random() < keep_p:
            out.append(Special(f"{name.upper()} KOMMUNE", "KOMM", ("84.11", "84.1", "84"), code, "government",
                               max(20, int(geo.weights[geo.codes.index(code)] * 550_000 * 0.08))))
    for county, cname in sorted(geo.county_names.items()):
        if county in set(geo.county) and county != "03":
            muni = max((i for i, k in enumerate(geo.county) if k == county), key=lambda i: geo.weights[i])
            out.append(Special(f"{cname.upper()} FYLKESKOMMUNE", "FYLK", ("84.11", "84.1", "84"), geo.codes[muni],
                               "government", 900))
    return out


def build_world(units: int, seed: int, knobs: Knobs) -> World:
    """Draw the whole synthetic Norway for ``units`` main units."""
    if units < 500:
        raise ConfigError(f"synth needs at least 500 units to hold its named institutions; got {units}")
    rng = np.random.default_rng(seed)
    geo = load_geography()
    ind = load_industry()
    specials = _specials(geo, units, rng, knobs)
    n_spec = len(specials)
    if n_spec > units // 2:
        raise ConfigError(f"synth with {units} units would be more than half named institutions ({n_spec}); "
                          "use at least 1000 units")
    n = units
    form = np.zeros(n, dtype=np.int8)
    kind = np.zeros(n, dtype=np.int8)
    muni = np.zeros(n, dtype=np.int16)
    nace = np.zeros(n, dtype=np.int16)
    emp = np.zeros(n, dtype=np.int32)
    special_names: dict[int, str] = {}
    parent_names: dict[int, str] = {}
    name_to_idx: dict[str, int] = {}
    for i, s in enumerate(specials):
        form[i] = FORM_INDEX[s.form]
        kind[i] = KIND_INDEX[s.kind]
        muni[i] = _pick_muni(geo, s.municipality, rng)
        nace[i] = _nace_idx(ind, s.nace)
        emp[i] = max(1, int(s.employees * rng.uniform(0.85, 1.15)))
        special_names[i] = s.name
        name_to_idx[s.name] = i
        if s.parent:
            parent_names[i] = s.parent
    parent = {i: name_to_idx[p] for i, p in parent_names.items() if p in name_to_idx}

    # ---- ordinary units: municipality, form, NACE, employees
    m = n - n_spec
    region_set = set(knobs.region_municipalities)
    is_reg_muni = np.array([c in region_set for c in geo.codes])
    w = geo.weights.copy()
    natural = w[is_reg_muni].sum() * m
    target = max(natural, min(knobs.region_min_units_share * m, 4 * knobs.region_top_n))
    if natural > 0 and target > natural:
        f = target / natural
        w[is_reg_muni] *= f
        w[~is_reg_muni] *= (m - target) / (m - natural)
    w = w / w.sum()
    o = slice(n_spec, n)
    muni[o] = rng.choice(len(geo.codes), size=m, p=w)
    fw = np.array([FORMS[c][2] for c in FORM_CODES])
    form[o] = rng.choice(len(FORM_CODES), size=m, p=fw / fw.sum())
    kind[o] = KIND_INDEX["firm"]
    county_of_muni = np.array([int(k) for k in geo.county])
    ucounty = county_of_muni[muni]
    div_index = {d: i for i, d in enumerate(ind.divisions)}
    restricted = {FORM_INDEX[f_]: divs for f_, divs in FORM_DIVISIONS.items()}
    ordinary_idx = np.arange(n_spec, n)
    f_ord = form[o]
    for county in np.unique(ucounty[o]):
        cw = ind.county_weights(f"{county:02d}")
        sel_c = ordinary_idx[ucounty[o] == county]
        fc = form[sel_c]
        # business forms
        bmask = np.array([int(x) not in restricted for x in fc])
        if bmask.any():
            bw = cw.copy()
            for d in BUSINESS_EXCLUDED:
                if d in div_index:
                    bw[div_index[d]] = 0.0
            bw /= bw.sum()
            idx = sel_c[bmask]
            divs = rng.choice(len(ind.divisions), size=len(idx), p=bw)
            _assign_codes(nace, idx, divs, ind, rng)
        for fi, allowed in restricted.items():
            fm = fc == fi
            if not fm.any():
                continue
            ok = [d for d in allowed if d in div_index]
            if not ok:
                continue
            rw = np.array([cw[div_index[d]] for d in ok])
            rw = rw / rw.sum()
            idx = sel_c[fm]
            divs = rng.choice([div_index[d] for d in ok], size=len(idx), p=rw)
            _assign_codes(nace, idx, divs, ind, rng)
    # holding companies among AS
    holding = np.zeros(n, dtype=bool)
    as_ord = ordinary_idx[f_ord == FORM_INDEX["AS"]]
    hold = as_ord[rng.random(len(as_ord)) < knobs.holding_share]
    try:
        hold_code = ind.codes.index(ind.first("64.2"))
        nace[hold] = hold_code
        holding[hold] = True
    except ConfigError:
        pass
    # employees
    p_has = np.array([FORMS[c][3] for c in FORM_CODES])[form[o]]
    has = rng.random(m) < p_has
    has[holding[o]] = rng.random(int(holding[o].sum())) < 0.05
    x = 1.0 + rng.pareto(knobs.employee_tail, size=m)
    scale = np.ones(m)
    scale[f_ord == FORM_INDEX["ASA"]] = 25.0
    scale[f_ord == FORM_INDEX["ORGL"]] = 4.0
    scale[f_ord == FORM_INDEX["IKS"]] = 4.0
    scale[f_ord == FORM_INDEX["SPA"]] = 10.0
    e = np.floor(x * scale).astype(np.int64)
    cap = np.full(m, knobs.max_employees)
    cap[f_ord == FORM_INDEX["ENK"]] = 30
    e = np.minimum(e, cap)
    emp[o] = np.where(has, e, 0)

    # ---- founding date and status
    years = np.clip(2025 - rng.exponential(12.0, size=n), 1900, 2025.9)
    founded = ((years - 1970) * 365.25).astype(np.int32)
    status = np.zeros(n, dtype=np.int8)
    r = rng.random(n)
    status[n_spec:][r[n_spec:] < knobs.deleted_share] = 1
    r2 = rng.random(n)
    can_fail = np.isin(form, [FORM_INDEX[c] for c in ("AS", "ENK", "ANS", "DA", "NUF")]) & (status == 0)
    can_fail[:n_spec] = False
    status[can_fail & (r2 < knobs.bankrupt_share)] = 2
    status[can_fail & (r2 >= knobs.bankrupt_share) & (r2 < knobs.bankrupt_share + knobs.liquidation_share)] = 3
    region = is_reg_muni[muni]

    # ---- orgnrs for units and sub-units
    n_sub = np.zeros(n, dtype=np.int32)
    active = status != 1
    withemp = active & (emp > 0)
    n_sub[withemp] = 1
    business = np.isin(form, [FORM_INDEX[c] for c in ("AS", "ENK", "NUF", "ANS", "DA", "SA")])
    n_sub[active & (emp == 0) & business & (rng.random(n) < 0.25)] = 1
    big = withemp & (emp >= 50)
    n_sub[big] += rng.poisson(np.log2(emp[big] / 25.0)).astype(np.int32)
    n_sub = np.minimum(n_sub, 60)
    all_orgnr = orgnr_mod.generate(n + int(n_sub.sum()), seed)
    orgnr = all_orgnr[:n]
    sub_orgnr = all_orgnr[n:]
    sub_offset = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(n_sub, out=sub_offset[1:])

    world = World(
        knobs=knobs, seed=seed, geo=geo, ind=ind, n=n, orgnr=orgnr, form=form, kind=kind, muni=muni, nace=nace,
        emp=emp, founded=founded, status=status, region=region, member=np.zeros(n, dtype=bool),
        siva=np.zeros(n, dtype=bool),
        files=np.zeros(n, dtype=bool), holding=holding, konsern=np.zeros(n, dtype=bool),
        revenue=np.zeros(n), margin=np.zeros(n, dtype=np.float32), growth=np.zeros(n, dtype=np.float32),
        asset_ratio=np.zeros(n, dtype=np.float32), equity_ratio=np.zeros(n, dtype=np.float32),
        special_names=special_names, parent=parent, top_area={}, clusters=[], n_sub=n_sub, sub_orgnr=sub_orgnr,
        sub_offset=sub_offset, s_unit=np.zeros(0, np.int32), s_role=np.zeros(0, np.int8),
        s_htype=np.zeros(0, np.int8), s_holder=np.zeros(0, np.int32), s_resigned=np.zeros(0, bool),
        s_valgt=np.zeros(0, np.int8), seat_offset=np.zeros(n + 1, np.int64), p_first=np.zeros(0, np.int16),
        p_middle=np.zeros(0, np.int16), p_last=np.zeros(0, np.int16), p_birth=np.zeros(0, np.int32),
        p_dead=np.zeros(0, bool), tied=np.zeros(n, dtype=bool), n_grants=np.zeros(n, np.int16),
        n_in=np.zeros(n, np.int16), n_patents=np.zeros(n, np.int16),
    )
    draw_clusters(world, rng, name_to_idx)
    _outcomes(world, rng)
    _table5(world, rng)
    draw_seats(world, rng)
    draw_persons(world, rng)
    _spillover_and_counts(world, rng)
    return world


def _assign_codes(nace: np.ndarray, idx: np.ndarray, divs: np.ndarray, ind: IndustryTable,
                  rng: np.random.Generator) -> None:
    code_index = {c: i for i, c in enumerate(ind.codes)}
    u = rng.random(len(idx))
    for d in np.unique(divs):
        sel = divs == d
        pool = ind.division_codes[ind.divisions[d]]
        k = np.minimum((u[sel] * len(pool)).astype(int), len(pool) - 1)
        nace[idx[sel]] = np.array([code_index[pool[j]] for j in range(len(pool))])[k]


# --------------------------------------------------------------------------- clusters
_REV_PER_EMP = {  # median NOK revenue per employee by SN2025 section
    "A": 1.8e6, "B": 8e6, "C": 2.6e6, "D": 6e6, "E": 2.5e6, "F": 2.0e6, "G": 4.0e6, "H": 1.8e6, "I": 0.9e6,
    "J": 1.7e6, "K": 1.7e6, "L": 3.0e6, "M": 3.5e6, "N": 1.5e6, "O": 1.0e6, "Q": 0.9e6, "R": 0.8e6, "S": 1.0e6,
    "T": 0.9e6,
}


def _outcomes(w: World, rng: np.random.Generator) -> None:
    k = w.knobs
    forms = np.array(FORM_CODES)[w.form]
    files = np.isin(forms, list(FILING_FORMS)) & (w.status != 1)
    files &= ~((forms == "STI") & (w.emp == 0))
    files &= ~((forms == "NUF") & (rng.random(w.n) > 0.3))
    files &= w.kind != KIND_INDEX["university"]
    files &= w.kind != KIND_INDEX["college"]
    files &= w.kind != KIND_INDEX["government"]
    w.files = files
    sec = np.array([w.ind.section.get(c, "N") for c in w.ind.codes])[w.nace]
    rpe = np.array([_REV_PER_EMP.get(s, 1.5e6) for s in sec])
    n = w.n
    rev = np.where(w.emp > 0, w.emp * rpe * rng.lognormal(0.0, 0.6, n), rng.lognormal(np.log(3e5), 1.5, n))
    rev[(w.emp == 0) & (rng.random(n) < 0.2)] = 0.0
    rev[w.holding] = np.nan
    w.revenue = np.where(files, rev, np.nan)
    w.margin = (rng.normal(0.045, 0.10, n) + np.where(w.member, k.member_margin_bonus, 0.0)
                - np.where(w.region, 0.01, 0.0)).clip(-0.8, 0.5).astype(np.float32)
    w.growth = (rng.normal(0.03, 0.10, n) + np.where(w.member, k.member_growth_bonus, 0.0)
                - np.where(w.region, k.region_growth_penalty, 0.0)).clip(-0.2, 0.25).astype(np.float32)
    w.asset_ratio = rng.lognormal(np.log(0.9), 0.6, n).astype(np.float32)
    w.equity_ratio = rng.uniform(0.05, 0.6, n).astype(np.float32)
    w.konsern = files & ((w.emp >= 20) | (forms == "ASA")) & (rng.random(n) < k.konsern_share * 4)


def table5_targets(top_n: int) -> dict[str, int]:
    """Firms per Table 5 value area for ``top_n`` top firms, by largest remainder (the rest is ``annet``)."""
    raw = {a: v[0] * top_n / 200.0 for a, v in TABLE5.items()}
    out = {a: int(math.floor(x)) for a, x in raw.items()}
    want = int(round(sum(raw.values())))
    for a in sorted(raw, key=lambda a: raw[a] - out[a], reverse=True)[: max(0, want - sum(out.values()))]:
        out[a] += 1
    out["annet"] = top_n - sum(out.values())
    return out


def effective_top_n(n_candidates: int, knob: int) -> int:
    return max(0, min(knob, int(0.7 * n_candidates)))


def _table5(w: World, rng: np.random.Generator) -> None:
    """Make the focus region's largest firms follow Table 5 (value areas, revenue and staff per firm)."""
    k = w.knobs
    forms = np.array(FORM_CODES)[w.form]
    div = np.array([c[:2] for c in w.ind.codes])[w.nace]
    resale = np.isin(div, ["45", "46", "47"])
    cand = np.flatnonzero(w.region & w.files & (w.status == 0) & ~w.holding & np.isin(forms, ["AS", "ASA"])
                          & ~resale & (w.kind == KIND_INDEX["firm"]))
    top_n = effective_top_n(len(cand), k.region_top_n)
    if top_n == 0:
        return
    order = cand[np.argsort(-(w.emp[cand] + rng.random(len(cand))), kind="stable")]
    top = order[:top_n]
    targets = table5_targets(top_n)
    labels = np.array([a for a, c in targets.items() for _ in range(c)])
    rng.shuffle(labels)
    code_index = {c: i for i, c in enumerate(w.ind.codes)}
    from loaders.synth.industry import DIVISION_WEIGHTS
    for u, area in zip(top, labels, strict=True):
        pool = w.ind.area_pools.get(str(area)) or w.ind.area_pools.get("annet")
        if not pool:
            raise ConfigError(f"no SN2025 codes fall in value area {area!r}; "
                              "check klynge/reference/data/value_areas.yaml")
        pw = np.array([DIVISION_WEIGHTS.get(c[:2], 0.05) for c in pool])
        code = pool[int(rng.choice(len(pool), p=pw / pw.sum()))]
        w.nace[u] = code_index[code]
        if area in TABLE5:
            firms, rev_k, staff = TABLE5[str(area)]
            mean_rev, mean_emp = rev_k * 1000.0 / firms, staff / firms
        else:
            mean_rev, mean_emp = 25e6, 15.0
        w.revenue[u] = mean_rev * rng.lognormal(-0.245, 0.7)  # mean-preserving log-normal
        w.emp[u] = max(5, int(round(mean_emp * rng.lognormal(-0.18, 0.6))))
        w.top_area[int(u)] = str(area)
    floor_rev = float(np.nanmin(w.revenue[top]))
    others = np.flatnonzero(w.region & w.files & ~np.isin(np.arange(w.n), top) & ~resale)
    others = others[~np.isin(forms[others], ["SPA"])]
    w.revenue[others] = np.minimum(w.revenue[others], 0.4 * floor_rev)
    # a few large resale firms and the savings banks sit above the cut-off: the report must exclude them
    big_resale = np.flatnonzero(w.region & w.files & resale & (w.status == 0))[:5]
    w.revenue[big_resale] = floor_rev * rng.uniform(2, 20, len(big_resale))


# --------------------------------------------------------------------------- seats
def _spillover_and_counts(w: World, rng: np.random.Generator) -> None:
    k = w.knobs
    ps = np.flatnonzero((w.s_htype == HOLDER_PERSON) | (w.s_htype == HOLDER_SAME_AS_CHAIR))
    board = np.isin(w.s_role[ps], [ROLE_INDEX[r] for r in ("LEDE", "NEST", "MEDL", "VARA", "DAGL")])
    ps = ps[board]
    holder = w.s_holder[ps]
    units = w.s_unit[ps]
    Pn = len(w.p_first)
    pm = np.zeros(Pn, dtype=bool)
    pm[holder[w.member[units]]] = True
    tied = np.zeros(w.n, dtype=bool)
    tied[units[pm[holder]]] = True
    w.tied = tied & ~w.member
    alive = w.status == 0
    div = np.array([int(c[:2]) for c in w.ind.codes])[w.nace]
    innov = np.isin(div, [10, 16, 20, 21, 22, 25, 26, 27, 28, 29, 30, 32, 33, 35, 62, 63, 71, 72, 3])
    low = np.isin(div, [45, 46, 47, 68, 56, 64, 96, 94])
    firm = (w.kind == KIND_INDEX["firm"]) & alive & (w.form != FORM_INDEX["ENK"])
    size_f = 1.0 + np.log10(1.0 + w.emp)
    nace_f = np.where(innov, 3.0, np.where(low, 0.2, 1.0))
    group_f = np.where(w.member, k.member_grant_factor, np.where(w.tied, k.spillover_factor, 1.0))
    reg_f = np.where(w.region, k.region_grant_factor, 1.0)
    has = w.emp > 0
    lam = np.where(firm & has, k.grant_rate * 5 * size_f * nace_f * group_f * reg_f, 0.0)
    acad = np.isin(w.kind, [KIND_INDEX[x] for x in ("university", "college", "institute")])
    lam[acad] = (2.0 + 40.0 * min(1.0, w.n / 200_000)) * np.where(w.kind[acad] == KIND_INDEX["institute"], 0.5, 1.0)
    w.n_grants = np.minimum(rng.poisson(lam), 500).astype(np.int16)
    lam_in = np.where(firm & has, k.in_grant_rate * 5 * size_f * np.where(low, 0.3, 1.0)
                      * np.where(w.siva, 1.5, 1.0)
                      * np.where(w.member, 2.5, np.where(w.tied, 1.5, 1.0)) * reg_f, 0.0)
    w.n_in = np.minimum(rng.poisson(lam_in), 200).astype(np.int16)
    pat_group = np.where(w.member, k.member_patent_factor, np.where(w.tied, k.spillover_factor, 1.0))
    lam_p = np.where(firm & has, k.patent_rate * 5 * size_f * np.where(innov, 4.0, np.where(low, 0.05, 0.5))
                     * pat_group * reg_f, 0.0)
    lam_p[acad] = 0.5 + 4.0 * min(1.0, w.n / 200_000)
    w.n_patents = np.minimum(rng.poisson(lam_p), 200).astype(np.int16)
