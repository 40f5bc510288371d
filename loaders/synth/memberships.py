"""The synthetic world's cluster and SIVA memberships, and the member rule the generator states."""

from __future__ import annotations


import numpy as np

from loaders.synth.forms import (
    FORM_INDEX,
)
from loaders.synth.industry import CLUSTER_THEMES
from loaders.synth.knobs import Knobs
from loaders.synth.model import KIND_INDEX, Cluster, World
from loaders.synth.specials import (
    NWC_MEMBERS, NWC_STUDY_NAMES,
)


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


def draw_clusters(w: World, rng: np.random.Generator, name_to_idx: dict[str, int]) -> None:
    """The Innovasjon Norge clusters (the Norwegian Wood Cluster first) and the SIVA gardens and incubators."""
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


def siva_count(units: int, knobs: Knobs) -> int:
    """SIVA business gardens + incubators at this scale (39 + 35 at Norway scale)."""
    return int(round(knobs.n_siva * max(0.15, min(1.0, units / 200_000))))
