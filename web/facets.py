"""Search results with filters and counts (helix sector, municipality, region, NACE section, cluster, active)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l

from cypher import library, search

if TYPE_CHECKING:
    from cypher.store import GraphStore

HITS = 500          # name-search hits considered per search (ranked: exact, prefix, words, fuzzy)
BROWSE = 2000       # organisations considered when browsing by filters only
PAGE = 50

# Section titles of SN2025 (NACE Rev. 2.1), which Enhetsregisteret serves now; SN2007 (NACE Rev. 2)
# lettered its sections differently, so a section letter means nothing without its version.
NACE_SECTIONS_BY_VERSION = {
    "SN2025": {
        "A": _l("Agriculture, forestry and fishing"), "B": _l("Mining and quarrying"), "C": _l("Manufacturing"),
        "D": _l("Electricity, gas, steam and air conditioning supply"), "E": _l("Water supply, sewerage, waste"),
        "F": _l("Construction"), "G": _l("Wholesale and retail trade"), "H": _l("Transportation and storage"),
        "I": _l("Accommodation and food service"), "J": _l("Publishing, broadcasting and content production"),
        "K": _l("Telecommunication, computer programming and information services"),
        "L": _l("Financial and insurance activities"), "M": _l("Real estate activities"),
        "N": _l("Professional, scientific and technical activities"), "O": _l("Administrative and support services"),
        "P": _l("Public administration and defence"), "Q": _l("Education"), "R": _l("Human health and social work"),
        "S": _l("Arts, sports and recreation"), "T": _l("Other service activities"),
        "U": _l("Activities of households"), "V": _l("Extraterritorial organisations"),
    },
    "SN2007": {
        "A": _l("Agriculture, forestry and fishing"), "B": _l("Mining and quarrying"), "C": _l("Manufacturing"),
        "D": _l("Electricity, gas, steam and air conditioning supply"), "E": _l("Water supply, sewerage, waste"),
        "F": _l("Construction"), "G": _l("Wholesale and retail trade"), "H": _l("Transportation and storage"),
        "I": _l("Accommodation and food service"), "J": _l("Information and communication"),
        "K": _l("Financial and insurance activities"), "L": _l("Real estate activities"),
        "M": _l("Professional, scientific and technical activities"), "N": _l("Administrative and support services"),
        "O": _l("Public administration and defence"), "P": _l("Education"), "Q": _l("Human health and social work"),
        "R": _l("Arts, entertainment and recreation"), "S": _l("Other service activities"),
        "T": _l("Activities of households"), "U": _l("Extraterritorial organisations"),
    },
}
NACE_SECTIONS = NACE_SECTIONS_BY_VERSION["SN2025"]


def section_title(section: str | None, version: str | None = None) -> str | None:
    """The title of a NACE section letter in its classification version (SN2025 when unknown)."""
    if not section:
        return None
    title = NACE_SECTIONS_BY_VERSION.get(version or "SN2025", NACE_SECTIONS).get(section)
    return str(title) if title is not None else None


HELIX_TITLES = {"industry": _l("Industry"), "academia": _l("Academia"), "government": _l("Government"),
                "intermediary": _l("Intermediary"), "other": _l("Other")}
FACETS = ("helix", "municipality", "region", "section", "cluster", "active")
FACET_TITLES = {"helix": _l("Helix sector"), "municipality": _l("Municipality"), "region": _l("Region"),
                "section": _l("NACE section"), "cluster": _l("Cluster"), "active": _l("Status")}


def _facet_values(row: dict) -> dict[str, list[tuple[str, str]]]:
    helix = row.get("helix")
    return {
        "helix": [(helix, str(HELIX_TITLES.get(helix, helix)))] if helix else [],
        "municipality": [(row["municipality_code"], row.get("municipality") or row["municipality_code"])]
        if row.get("municipality_code") else [],
        "region": [(r["id"], r.get("name") or r["id"]) for r in row.get("regions") or []],
        "section": [(s, f"{s} · {NACE_SECTIONS.get(s, s)}") for s in row.get("sections") or [] if s],
        "cluster": [(c["id"], c.get("name") or c["id"]) for c in row.get("clusters") or []],
        "active": [("yes", str(_l("Active")))] if row.get("active") else [("no", str(_l("Inactive or deleted")))],
    }


def facet_counts(rows: list[dict], selected: dict[str, list[str] | None]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    per_row = [_facet_values(row) for row in rows]  # once per row, not once per row and facet
    for facet in FACETS:
        counts: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for fv in per_row:
            for value, label in fv[facet]:
                counts[value] += 1
                labels[value] = label
        chosen = selected.get(facet) or []
        for v in chosen:
            labels.setdefault(v, v)
        values = [{"value": v, "label": labels[v], "count": counts.get(v, 0), "selected": v in chosen}
                  for v in sorted(labels, key=lambda v: (-counts.get(v, 0), labels[v]))]
        out[facet] = {"title": str(FACET_TITLES[facet]), "values": values[:30], "more": max(0, len(values) - 30)}
    return out


def run_search(store: GraphStore, q: str, filters: dict[str, Any], page: int) -> dict:
    """Organisations for text ``q`` and ``filters`` with facet counts, one page of results."""
    text = q.strip()
    params = {k: filters.get(k) for k in ("helix", "municipality", "region", "section", "cluster")}
    params["active"] = filters.get("active") or "any"
    scores: dict[str, float] = {}
    truncated = False
    if text:
        hits = search.find(store, "organization", text, limit=HITS)
        truncated = len(hits) >= HITS
        scores = {h.key: h.score for h in hits}
        rows = library.run(store, "search/organizations_by_keys", {"orgnrs": list(scores), **params}) if hits else []
        order = {k: i for i, k in enumerate(scores)}
        rows.sort(key=lambda r: order.get(r["orgnr"], 10**9))
    elif any(v for k, v in filters.items() if k != "active") or params["active"] != "any":
        seed = None  # start from the most selective filter that has an index-driven query
        for facet in ("cluster", "municipality", "region"):
            if params.get(facet):
                seed = [r["orgnr"] for r in library.run(store, f"search/orgnrs_in_{facet}",
                                                        {facet: params[facet], "limit": BROWSE}, timeout_s=30)]
                break
        if seed is not None:
            rows = library.run(store, "search/organizations_by_keys", {"orgnrs": seed, **params}) if seed else []
            order = {k: i for i, k in enumerate(seed)}
            rows.sort(key=lambda r: order.get(r["orgnr"], 10**9))
            truncated = len(seed) >= BROWSE
        else:
            rows = library.run(store, "search/organizations_browse", {**params, "limit": BROWSE}, timeout_s=30)
            truncated = len(rows) >= BROWSE
    else:
        rows = []
    selected = {k: filters.get(k) for k in FACETS}
    selected["active"] = None if params["active"] == "any" else [params["active"]]
    total = len(rows)
    start = (page - 1) * PAGE
    results = [{"orgnr": r["orgnr"], "name": r["name"], "helix": r.get("helix"), "active": r.get("active"),
                "employees": r.get("employees"), "org_form": r.get("org_form"),
                "municipality": r.get("municipality"), "sections": r.get("sections") or [],
                "clusters": [c.get("name") or c["id"] for c in r.get("clusters") or []],
                "score": scores.get(r["orgnr"])} for r in rows[start:start + PAGE]]
    return {"total": total, "page": page, "pages": max(1, -(-total // PAGE)), "results": results,
            "facets": facet_counts(rows, selected), "truncated": truncated,
            "searched": bool(text) or bool(rows) or total > 0}
