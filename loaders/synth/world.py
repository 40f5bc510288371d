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
from array import array
from dataclasses import dataclass, field

import numpy as np

from klynge.errors import ConfigError
from loaders.synth import orgnr as orgnr_mod
from loaders.synth.forms import (
    BUSINESS_EXCLUDED, FILING_FORMS, FORM_CODES, FORM_DIVISIONS, FORM_INDEX, FORMS, ROLE_INDEX,
)
from loaders.synth.geo import Geography, load_geography
from loaders.synth.industry import CLUSTER_THEMES, IndustryTable, load_industry
from loaders.synth.knobs import TABLE5, Knobs
from loaders.synth.names import FIRST_NAMES, LAST_NAMES, MIDDLE_NAMES
from loaders.synth.specials import (
    COLLEGES, GOVERNMENT, INSTITUTES, MINISTRIES, NWC_MEMBERS, NWC_STUDY_NAMES, REGIONAL, UNIVERSITIES, Special,
)

KINDS = ("firm", "university", "college", "institute", "government", "intermediary", "bank", "other")
KIND_INDEX = {k: i for i, k in enumerate(KINDS)}
EPOCH = np.datetime64("1970-01-01")

HOLDER_PERSON, HOLDER_ENTITY, HOLDER_SAME_AS_CHAIR, HOLDER_BOSTYRER = 0, 1, 2, 3


@dataclass
class Cluster:
    cluster_id: str
    name: str
    level: str
    since: int
    host_county: str
    theme: str
    members: list[int] = field(default_factory=list)  # unit indices
    member_names: list[str] = field(default_factory=list)  # listed by name instead of orgnr
    host: int = -1  # unit index of the facilitating organisation (host_orgnr)
    programme: str = "NIC"  # NIC (Innovasjon Norge clusters) or SIVA (business gardens, incubators)


@dataclass
class World:
    knobs: Knobs
    seed: int
    geo: Geography
    ind: IndustryTable
    n: int
    orgnr: np.ndarray
    form: np.ndarray
    kind: np.ndarray
    muni: np.ndarray
    nace: np.ndarray
    emp: np.ndarray
    founded: np.ndarray  # days since 1970
    status: np.ndarray  # 0 active, 1 deleted, 2 bankrupt, 3 liquidation
    region: np.ndarray  # bool: in the focus region
    member: np.ndarray  # bool: member of at least one cluster
    siva: np.ndarray  # bool: in a SIVA business garden or incubator
    files: np.ndarray  # bool: files accounts
    holding: np.ndarray
    konsern: np.ndarray
    revenue: np.ndarray  # NOK, latest year
    margin: np.ndarray
    growth: np.ndarray
    asset_ratio: np.ndarray
    equity_ratio: np.ndarray
    special_names: dict[int, str]
    parent: dict[int, int]
    top_area: dict[int, str]  # unit -> Table 5 key of the region's top firms
    clusters: list[Cluster]
    n_sub: np.ndarray
    sub_orgnr: np.ndarray
    sub_offset: np.ndarray
    # seats
    s_unit: np.ndarray
    s_role: np.ndarray
    s_htype: np.ndarray
    s_holder: np.ndarray
    s_resigned: np.ndarray
    s_valgt: np.ndarray
    seat_offset: np.ndarray  # seats of unit u are s_* [seat_offset[u]:seat_offset[u+1]]
    # persons
    p_first: np.ndarray
    p_middle: np.ndarray
    p_last: np.ndarray
    p_birth: np.ndarray
    p_dead: np.ndarray
    tied: np.ndarray  # bool: non-member sharing a board member with a member
    n_grants: np.ndarray
    n_in: np.ndarray
    n_patents: np.ndarray


def _pick_muni(geo: Geography, code: str, rng: np.random.Generator) -> int:
    if code in geo.codes:
        return geo.codes.index(code)
    same = [i for i, k in enumerate(geo.county) if k == code[:2]]
    if same:
        return same[int(np.argmax(geo.weights[same]))]
    return int(rng.choice(len(geo.codes), p=geo.weights))


def _nace_idx(ind: IndustryTable, prefixes: tuple[str, ...]) -> int:
    return ind.codes.index(ind.first(*prefixes))


def siva_count(units: int, knobs: Knobs) -> int:
    """SIVA business gardens + incubators at this scale (39 + 35 at Norway scale)."""
    return int(round(knobs.n_siva * max(0.15, min(1.0, units / 200_000))))


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
    _clusters(world, rng, name_to_idx)
    _outcomes(world, rng)
    _table5(world, rng)
    _seats(world, rng)
    _persons(world, rng)
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
_THEME_COUNTIES = {
    "ocean": ("11", "46", "15"), "aqua": ("46", "18", "55", "15"), "energy": ("11", "46", "40", "03"),
    "wood": ("34", "33", "50"), "food": ("50", "11", "34"), "ict": ("03", "50", "46"), "health": ("03", "46", "50"),
    "tourism": ("34", "46", "18"), "process": ("40", "15", "42"), "build": ("03", "32", "50"),
    "materials": ("42", "40", "15"), "mobility": ("03", "15", "32"),
}
_LEVELS = ("GCE",) * 5 + ("Arena Pro",) * 10 + ("NCE",) * 2 + ("Arena",) * 23
#: Relative weights of a unit in the draw of a cluster's members (with size and ``region_member_weight``).
THEME_WEIGHT = 8.0
HOST_COUNTY_WEIGHT = 4.0
ACADEMIC_WEIGHT = 3.0
MEMBER_FORMS = ("AS", "ASA", "SA", "SF", "STI", "ORGL")


def membership_rule(knobs: Knobs | None = None) -> str:
    """How the generator chooses cluster members, in words (shown wherever cluster fit is evaluated on
    synthetic data, so that nobody mistakes what a score finds there for evidence about real clusters)."""
    k = knobs or Knobs()
    themes = "; ".join(f"{stem} {', '.join(divs)}" for _, stem, divs in CLUSTER_THEMES)
    return (
        f"The synthetic generator (loaders.synth) draws each of its {k.n_clusters} clusters' members at random, "
        f"without replacement, among active {'/'.join(MEMBER_FORMS)} units with employees (holding companies "
        f"excepted), each with weight {THEME_WEIGHT:g} if its NACE division belongs to the cluster's theme "
        f"({themes}), × {HOST_COUNTY_WEIGHT:g} if it is in the host county, × (1 + ln(1 + employees)), "
        f"× {ACADEMIC_WEIGHT:g} for universities, colleges and institutes and × {k.region_member_weight:g} in the "
        f"focus region. So a large share of a theme cluster's members lie outside the theme's divisions, and "
        f"clusters with the same theme draw from the same firms. Members are not tied to each other: their board "
        f"seats are less often local ({k.member_local_seat_share:.0%} against {k.local_seat_share:.0%}), but seats "
        "are paired without regard to clusters. Members then get higher margins, growth, grants, patents and "
        "awards, which the fit score does not use. The Norwegian Wood Cluster lists the study's 25 member names."
    )


def _clusters(w: World, rng: np.random.Generator, name_to_idx: dict[str, int]) -> None:
    k = w.knobs
    eligible_forms = [FORM_INDEX[c] for c in MEMBER_FORMS]
    elig = (w.status == 0) & (w.emp > 0) & np.isin(w.form, eligible_forms) & ~w.holding
    firmish = w.kind == KIND_INDEX["firm"]
    academic = np.isin(w.kind, [KIND_INDEX[x] for x in ("university", "college", "institute")])
    elig &= firmish | academic
    elig_idx = np.flatnonzero(elig)
    nwc = {name_to_idx[s.name] for s in NWC_MEMBERS if s.name in name_to_idx}
    elig_idx = np.array([i for i in elig_idx if i not in nwc], dtype=np.int64)
    counties = sorted(set(w.geo.county))
    scale = min(1.0, max(0.25, w.n / 50_000))
    budget = int(k.cluster_member_cap * len(elig_idx))
    sizes = rng.integers(k.cluster_min_members, k.cluster_max_members + 1, size=k.n_clusters) * scale
    sizes = np.maximum(3, np.round(sizes)).astype(int)
    if sizes.sum() > budget and budget > 0:
        sizes = np.maximum(3, np.floor(sizes * budget / sizes.sum())).astype(int)
    div_of_unit = np.array([int(c[:2]) for c in w.ind.codes], dtype=np.int16)[w.nace[elig_idx]]
    ucounty = np.array([int(c) for c in w.geo.county])[w.muni[elig_idx]]
    size_f = 1.0 + np.log1p(w.emp[elig_idx])
    reg_f = np.where(w.region[elig_idx], k.region_member_weight, 1.0)
    acad = academic[elig_idx]
    used_names: set[str] = set()
    clusters: list[Cluster] = []
    # Norwegian Wood Cluster first: the study's 25 names (listed by name, as the study does)
    hosts = [name_to_idx[f"KLYNGEORGANISASJON {j + 1}"] for j in range(k.n_clusters + 1)]
    nwc_c = Cluster("nwc", "Norwegian Wood Cluster", "Arena", 2016, "34", "wood", host=hosts[-1])
    nwc_c.members = sorted(nwc)
    nwc_c.member_names = list(NWC_STUDY_NAMES)
    clusters.append(nwc_c)
    used_names.add(nwc_c.name)
    for j in range(k.n_clusters):
        theme_id, stem, divs = CLUSTER_THEMES[j % len(CLUSTER_THEMES)]
        tc = [c for c in _THEME_COUNTIES.get(theme_id, ()) if c in counties] or counties
        host = str(tc[int(rng.integers(len(tc)))]) if rng.random() < 0.8 else counties[int(rng.integers(len(counties)))]
        level = _LEVELS[j % len(_LEVELS)]
        cname = w.geo.county_names.get(host, host)
        name = f"{level if level != 'Arena Pro' else 'Arena Pro'} {stem} {cname}"
        if level == "GCE":
            name = f"GCE {stem}"
        if level == "NCE":
            name = f"NCE {stem} {cname}"
        base, q = name, 2
        while name in used_names:
            name = f"{base} {q}"
            q += 1
        used_names.add(name)
        since = int(rng.integers(2006, 2015)) if level in ("GCE", "NCE") else int(rng.integers(2014, 2024))
        theme_divs = {int(d) for d in divs}
        match = np.isin(div_of_unit, list(theme_divs))
        wt = (np.where(match, THEME_WEIGHT, 1.0) * np.where(ucounty == int(host), HOST_COUNTY_WEIGHT, 1.0) * size_f
              * reg_f * np.where(acad, ACADEMIC_WEIGHT, 1.0))
        size = min(int(sizes[j]), len(elig_idx))
        if size <= 0:
            continue
        pick = rng.choice(len(elig_idx), size=size, replace=False, p=wt / wt.sum())
        c = Cluster(f"c{j + 1:02d}", name, level, since, host, theme_id, sorted(int(elig_idx[p]) for p in pick),
                    host=hosts[j])
        clusters.append(c)
    for c in clusters:
        w.member[c.members] = True
        if c.host >= 0:  # the facilitator sits in the host county's largest municipality, named after the cluster
            w.muni[c.host] = max((i for i, kc in enumerate(w.geo.county) if kc == c.host_county),
                                 key=lambda i: w.geo.weights[i], default=int(w.muni[c.host]))
            w.special_names[c.host] = c.name.upper() + (" AS" if w.form[c.host] == FORM_INDEX["AS"] else "")
    clusters += _siva(w, rng, name_to_idx)
    w.clusters = clusters


def _siva(w: World, rng: np.random.Generator, name_to_idx: dict[str, int]) -> list[Cluster]:
    """SIVA business gardens (in smaller municipalities) and incubators (in cities), with young small firms."""
    n = siva_count(w.n, w.knobs)
    if n == 0:
        return []
    small = (w.status == 0) & np.isin(w.form, [FORM_INDEX["AS"], FORM_INDEX["ENK"]]) & (w.emp <= 20) \
        & (w.founded >= int((2012 - 1970) * 365.25)) & ~w.holding & (w.kind == KIND_INDEX["firm"])
    small_idx = np.flatnonzero(small)
    if len(small_idx) == 0:
        return []
    pop = w.geo.weights
    small_county = np.array(w.geo.county)[w.muni[small_idx]]
    out: list[Cluster] = []
    taken: set[int] = set()
    used: set[tuple[int, bool]] = set()
    names_taken: set[str] = set()
    scale = max(0.25, min(1.0, w.n / 50_000))
    for j in range(n):
        garden = j % 2 == 0
        host = name_to_idx[f"SIVA-VERT {j + 1}"]
        if j == 0 and "3305" in w.geo.codes and "PAN INNOVASJON AS" in name_to_idx:
            m = w.geo.codes.index("3305")  # the region's business garden, hosted by PAN innovasjon
            host = name_to_idx["PAN INNOVASJON AS"]
        else:
            pw = (1.0 / np.sqrt(pop)) if garden else pop ** 1.5
            pw = pw * np.array([(i, garden) not in used for i in range(len(pop))])  # one of each kind per place
            m = int(rng.choice(len(pop), p=pw / pw.sum()))
        used.add((m, garden))
        place = w.geo.names[m]
        name = f"{place} Næringshage" if garden else f"{place} Inkubator"
        if name in names_taken:  # two municipalities share a name (Herøy, Våler): add the county
            name = f"{name} ({w.geo.county_names.get(w.geo.county[m], w.geo.county[m])})"
        names_taken.add(name)
        if host != name_to_idx.get("PAN INNOVASJON AS"):
            w.muni[host] = m
            w.region[host] = w.geo.codes[m] in set(w.knobs.region_municipalities)
            w.special_names[host] = name.upper() + " AS"
        county = w.geo.county[m]
        local = small_idx[w.muni[small_idx] == m]
        near = small_idx[small_county == county]
        size = int(rng.integers(5, 26) * scale)
        extra = rng.choice(near, size=min(len(near), size), replace=False) if len(near) else near
        pool = np.concatenate([local, extra])
        pool = np.array([p for p in dict.fromkeys(pool.tolist()) if p not in taken], dtype=np.int64)
        members = sorted(int(x) for x in pool[:size])
        taken.update(members)
        since = int(rng.integers(2002, 2024))
        out.append(Cluster(f"s{j + 1:02d}", name, "Næringshage" if garden else "Inkubator", since, county,
                           "siva", members, host=host, programme="SIVA"))
    for c in out:
        w.siva[c.members] = True
    return out


# --------------------------------------------------------------------------- accounts model
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
                              "check loaders/reference/data/value_areas.yaml")
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
def _seats(w: World, rng: np.random.Generator) -> None:
    k = w.knobs
    n = w.n
    s_unit, s_role, s_htype, s_holder, s_valgt = (array("i"), array("b"), array("b"), array("i"), array("b"))
    forms = [FORM_CODES[f] for f in w.form.tolist()]
    county_of_muni = np.array([int(c) for c in w.geo.county])
    ucounty = county_of_muni[w.muni]
    # entity pools by county
    div = np.array([c[:4] for c in w.ind.codes])[w.nace]
    alive = w.status == 0
    auditors = np.flatnonzero(alive & (np.char.startswith(div.astype(str), "69.2")) & (w.form == FORM_INDEX["AS"]))
    if len(auditors) == 0:
        auditors = np.flatnonzero(alive & (w.form == FORM_INDEX["AS"]))
    as_units = np.flatnonzero(alive & (w.form == FORM_INDEX["AS"]))
    komm = np.flatnonzero(w.form == FORM_INDEX["KOMM"])
    aud_by_c = {c: auditors[ucounty[auditors] == c] for c in np.unique(ucounty)}
    as_by_c = {c: as_units[ucounty[as_units] == c] for c in np.unique(ucounty)}
    komm_by_c = {c: komm[ucounty[komm] == c] for c in np.unique(ucounty)}

    R = rng.random((n, 8))
    emp = w.emp.tolist()
    status = w.status.tolist()
    kinds = w.kind.tolist()
    ucl = ucounty.tolist()
    L, N_, M_, V, D = ROLE_INDEX["LEDE"], ROLE_INDEX["NEST"], ROLE_INDEX["MEDL"], ROLE_INDEX["VARA"], ROLE_INDEX["DAGL"]
    offsets = np.zeros(n + 1, dtype=np.int64)

    def pick(pool_by_c: dict, pool_all: np.ndarray, c: int, u01: float, exclude: int) -> int:
        pool = pool_by_c.get(c)
        if pool is None or len(pool) == 0 or u01 < 0.25:
            pool = pool_all
        if len(pool) == 0:
            return -1
        h = pool[int(u01 * 7919 * len(pool)) % len(pool)]
        return int(h) if int(h) != exclude else -1

    def add(u: int, role: int, htype: int = HOLDER_PERSON, holder: int = -1, valgt: int = 0) -> None:
        s_unit.append(u)
        s_role.append(role)
        s_htype.append(htype)
        s_holder.append(holder)
        s_valgt.append(valgt)

    for u in range(n):
        offsets[u] = len(s_unit)
        st = status[u]
        if st == 1:
            continue
        f = forms[u]
        e = emp[u]
        r = R[u]
        kd = kinds[u]
        if f == "ENK":
            add(u, ROLE_INDEX["INNH"])
            if r[0] < 0.45:
                h = pick(aud_by_c, auditors, ucl[u], r[1], u)
                if h >= 0:
                    add(u, ROLE_INDEX["REGN"], HOLDER_ENTITY, h)
        elif f in ("ANS", "DA"):
            role = ROLE_INDEX["DTSO"] if f == "ANS" else ROLE_INDEX["DTPR"]
            partners: set[int] = set()
            for j in range(2 + int(r[0] < 0.3)):
                if r[1 + j] < 0.15:
                    h = pick(as_by_c, as_units, ucl[u], r[4 + j], u)
                    if h >= 0 and h not in partners:
                        partners.add(h)
                        add(u, role, HOLDER_ENTITY, h)
                        continue
                add(u, role)
            if e > 0 and r[6] < 0.5:
                add(u, D)
        elif f in ("KOMM", "FYLK", "STAT"):
            add(u, D)
        elif f == "NUF":
            add(u, ROLE_INDEX["REPR"])
            if e > 0:
                add(u, D)
        elif f == "KS":
            h = pick(as_by_c, as_units, ucl[u], r[0], u)
            if h >= 0:
                add(u, ROLE_INDEX["KOMP"], HOLDER_ENTITY, h)
            add(u, D)
        else:
            # organisations with a board
            if kd in (KIND_INDEX["university"], KIND_INDEX["college"]):
                size = 8 + int(r[0] * 4)
            elif f in ("ASA", "SPA", "SF", "SÆR") or kd in (KIND_INDEX["institute"], KIND_INDEX["government"]):
                size = 5 + int(r[0] * 4)
            elif f == "ORGL":
                size = 0 if r[0] < 0.7 else 3
            elif e >= 10:
                size = 3 + min(4, int(math.log2(1 + e / 10)) + int(r[0] * 2))
            elif f in ("FLI", "BRL", "SA", "STI", "ESEK", "SAM", "IKS"):
                size = 3 + int(r[0] * 4)
            else:  # small AS, KF, PRE
                size = 1 + (r[0] < 0.5) + (r[0] < 0.2)
            chair_ceo = f == "AS" and e < 5 and r[1] < k.ceo_is_chair_share
            if size > 0:
                add(u, L)
                if size >= 5 and r[2] < 0.2:
                    add(u, N_)
                    size -= 1
                for j in range(size - 1):
                    employee_rep = e >= 30 and j >= size - 3 and r[3] < 0.6
                    add(u, M_, valgt=2 if employee_rep else (1 if f in ("AS", "ASA") and r[4] < 0.1 else 0))
                for _ in range(int(r[5] < 0.55) + int(r[5] < 0.2)):
                    add(u, V)
            has_ceo = e > 0 or f in ("ASA", "SF", "SÆR", "SPA") or (f == "AS" and r[6] < 0.35)
            if f == "ORGL" or has_ceo:
                if chair_ceo and size > 0:
                    add(u, D, HOLDER_SAME_AS_CHAIR)
                else:
                    add(u, D)
            if f == "IKS":
                owners: set[int] = set()
                for j in range(2 + int(r[7] * 3)):
                    h = pick(komm_by_c, komm, ucl[u], (r[7] * (j + 3)) % 1.0, u)
                    if h >= 0 and h not in owners:
                        owners.add(h)
                        add(u, ROLE_INDEX["EIKM"], HOLDER_ENTITY, h)
        if f in ("AS", "ASA", "SA", "STI", "SF", "SPA", "NUF", "IKS", "KF", "SÆR", "FLI") and st != 1:
            audited = f != "AS" or e >= 5 or r[7] < 0.3
            if f == "FLI":
                audited = e >= 5
            if audited:
                h = pick(aud_by_c, auditors, ucl[u], (r[7] * 13.7) % 1.0, u)
                if h >= 0:
                    add(u, ROLE_INDEX["REVI"], HOLDER_ENTITY, h)
            if f in ("AS", "SA", "NUF") and r[6] < 0.6:
                h = pick(aud_by_c, auditors, ucl[u], (r[6] * 31.3) % 1.0, u)
                if h >= 0:
                    add(u, ROLE_INDEX["REGN"], HOLDER_ENTITY, h)
        if st == 2:
            add(u, ROLE_INDEX["BOBE"], HOLDER_BOSTYRER)
    offsets[n] = len(s_unit)
    w.seat_offset = offsets
    w.s_unit = np.frombuffer(s_unit, dtype=np.int32).copy()
    w.s_role = np.frombuffer(s_role, dtype=np.int8).copy()
    w.s_htype = np.frombuffer(s_htype, dtype=np.int8).copy()
    w.s_holder = np.frombuffer(s_holder, dtype=np.int32).copy()
    w.s_valgt = np.frombuffer(s_valgt, dtype=np.int8).copy()
    w.s_resigned = rng.random(len(w.s_unit)) < k.resigned_share
    w.s_resigned &= w.s_htype == HOLDER_PERSON


# --------------------------------------------------------------------------- persons
def _persons(w: World, rng: np.random.Generator) -> None:
    """Create persons with heavy-tailed seat counts and match them to person seats.

    Each seat is *local* (filled from its municipality's residents) with a probability
    that depends on its unit (ordinary, focus region, cluster member, public body);
    each person's first seat is local to the home municipality, later seats stay local
    with ``extra_slot_local_share``.  Local seats and local slots are paired inside a
    municipality, global ones across the country, leftovers within the county and then
    anywhere; a person never holds two seats in one unit.
    """
    k = w.knobs
    ps = np.flatnonzero(w.s_htype == HOLDER_PERSON)
    S = len(ps)
    seat_unit = w.s_unit[ps]
    seat_muni = w.muni[seat_unit].astype(np.int64)
    p_local = np.full(S, k.local_seat_share)
    p_local[w.region[seat_unit]] = k.region_local_seat_share
    public = np.isin(w.kind[seat_unit], [KIND_INDEX[x] for x in ("university", "college", "institute", "government",
                                                                   "intermediary")])
    p_local[public] = k.public_local_seat_share
    p_local[w.member[seat_unit]] = k.member_local_seat_share
    seat_local = rng.random(S) < p_local
    # persons and their seat counts: P(k) ~ k^-a
    ks = np.arange(1, k.max_seats + 1)
    pk = ks.astype(float) ** -k.seat_exponent
    pk /= pk.sum()
    mean_k = float((ks * pk).sum())
    P = int(S / mean_k * 1.03) + 10
    kp = rng.choice(ks, size=P, p=pk)
    seat_count_by_muni = np.bincount(seat_muni, minlength=len(w.geo.codes)).astype(float)
    home = rng.choice(len(w.geo.codes), size=P, p=seat_count_by_muni / seat_count_by_muni.sum())
    # slots
    slot_person = np.repeat(np.arange(P), kp)
    first = np.ones(len(slot_person), dtype=bool)
    first[1:] = slot_person[1:] != slot_person[:-1]
    slot_home = home[slot_person]
    p_stay = np.where(np.isin(slot_home, np.flatnonzero([c in set(k.region_municipalities) for c in w.geo.codes])),
                      min(1.0, k.extra_slot_local_share + 0.15), k.extra_slot_local_share)
    slot_local = first | (rng.random(len(slot_person)) < p_stay)
    holder = np.full(S, -1, dtype=np.int64)
    used_slot = np.zeros(len(slot_person), dtype=bool)

    def match(seat_sel: np.ndarray, seat_key: np.ndarray, slot_sel: np.ndarray, slot_key: np.ndarray) -> None:
        a = seat_sel[np.lexsort((rng.random(len(seat_sel)), seat_key))]
        b = slot_sel[np.lexsort((rng.random(len(slot_sel)), slot_key))]
        ka, kb = np.sort(seat_key), np.sort(slot_key)
        # rank within group
        ra = np.arange(len(a)) - np.searchsorted(ka, ka, side="left")
        rb = np.arange(len(b)) - np.searchsorted(kb, kb, side="left")
        # pair a's with b's of the same key and same rank
        ga = ka * (len(a) + len(b) + 1) + ra
        gb = kb * (len(a) + len(b) + 1) + rb
        common, ia, ib = np.intersect1d(ga, gb, assume_unique=True, return_indices=True)
        holder[a[ia]] = slot_person[b[ib]]
        used_slot[b[ib]] = True

    si = np.flatnonzero(seat_local)
    li = np.flatnonzero(slot_local)
    match(si, seat_muni[si], li, slot_home[li])
    gs = np.flatnonzero(~seat_local & (holder < 0))
    gl = np.flatnonzero(~slot_local & ~used_slot)
    match(gs, np.zeros(len(gs), np.int64), gl, np.zeros(len(gl), np.int64))
    county_of_muni = np.array([int(c) for c in w.geo.county])
    rs = np.flatnonzero(holder < 0)
    rl = np.flatnonzero(~used_slot)
    match(rs, county_of_muni[seat_muni[rs]], rl, county_of_muni[slot_home[rl]])
    rs = np.flatnonzero(holder < 0)
    rl = np.flatnonzero(~used_slot)
    match(rs, np.zeros(len(rs), np.int64), rl, np.zeros(len(rl), np.int64))
    # remaining seats: new one-seat persons; also persons holding two seats in one unit
    key = seat_unit.astype(np.int64) * (P + S + 1) + holder
    order = np.argsort(key, kind="stable")
    dup = np.zeros(S, dtype=bool)
    sk = key[order]
    dup[order[1:]] = (sk[1:] == sk[:-1]) & (holder[order[1:]] >= 0)
    fresh = np.flatnonzero((holder < 0) | dup)
    holder[fresh] = P + np.arange(len(fresh))
    home = np.concatenate([home, seat_muni[fresh]])
    P += len(fresh)
    # drop persons without seats and renumber
    used = np.zeros(P, dtype=bool)
    used[holder] = True
    remap = np.cumsum(used) - 1
    holder = remap[holder]
    Pn = int(used.sum())
    w.s_holder[ps] = holder.astype(np.int32)
    # CEO who is also chair: copy the chair's holder
    same = np.flatnonzero(w.s_htype == HOLDER_SAME_AS_CHAIR)
    for i in same:
        u = w.s_unit[i]
        lo = w.seat_offset[u]
        chair = lo + int(np.flatnonzero(w.s_role[lo:w.seat_offset[u + 1]] == ROLE_INDEX["LEDE"])[0])
        w.s_holder[i] = w.s_holder[chair]
    # person attributes, unique (name, birth date)
    w.p_first = rng.integers(0, len(FIRST_NAMES), Pn).astype(np.int16)
    w.p_middle = np.where(rng.random(Pn) < 0.3, rng.integers(0, len(MIDDLE_NAMES), Pn), -1).astype(np.int16)
    w.p_last = rng.integers(0, len(LAST_NAMES), Pn).astype(np.int16)
    seats_per_person = np.bincount(holder, minlength=Pn)
    age = rng.normal(52, 11, Pn) + np.minimum(seats_per_person, 10) * 0.8
    birth = ((2025.5 - np.clip(age, 19, 92) - 1970) * 365.25).astype(np.int32)
    for _ in range(50):
        key2 = ((w.p_first.astype(np.int64) * 32 + (w.p_middle + 1)) * 128 + w.p_last) * 100_000 + birth
        _, first_idx = np.unique(key2, return_index=True)
        dupmask = np.ones(Pn, dtype=bool)
        dupmask[first_idx] = False
        if not dupmask.any():
            break
        birth[dupmask] += rng.integers(-400, 400, int(dupmask.sum())).astype(np.int32)
    w.p_birth = birth
    w.p_dead = rng.random(Pn) < 0.002


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
