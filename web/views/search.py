"""Search with type-ahead and filters with counts."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext

from cypher import search
from web import auth, facets, params
from web.routes import Param, page, respond
from web.stores import get_store

bp = Blueprint("search", __name__)

SUGGEST_KINDS = ("organization", "cluster", "person")

FILTER_PARAMS = (
    Param("helix", description="Helix sectors (comma-separated)", enum=tuple(facets.HELIX_TITLES), many=True),
    Param("municipality", description="Municipality numbers (comma-separated)", many=True),
    Param("region", description="Region ids (comma-separated)", many=True),
    Param("section", description="NACE section letters (comma-separated)", many=True),
    Param("cluster", description="Cluster ids (comma-separated)", many=True),
    Param("active", description="Active organisations only (yes), inactive only (no) or both (any)",
          default="any", enum=("any", "yes", "no")),
)


@page(bp, "/search", summary="Search organisations, clusters and (advisors) persons", tag="search",
      params=(Param("q", description="Name words or organisation number (prefixes match)"),
              *FILTER_PARAMS, Param("page", "integer", "Result page", 1, minimum=1, maximum=1000)),
      errors=(400,))
def search_page():
    """Fulltext search over organisation names and numbers with filters and counts per filter value;
    clusters by name; persons by name for advisors only."""
    store = get_store()
    q = (request.args.get("q") or "").strip()[:200]
    filters = {k: params.list_arg(k) for k in ("helix", "municipality", "region", "section", "cluster")}
    if filters["helix"]:
        params.list_arg("helix", tuple(facets.HELIX_TITLES))
    filters["active"] = params.choice_arg("active", "any", ("any", "yes", "no"))
    page_no = params.int_arg("page", 1, 1, 1000)
    result = facets.run_search(store, q, filters, page_no)
    clusters = [{"cluster_id": h.key, "name": h.name, "level": h.props.get("level")}
                for h in search.find(store, "cluster", q, limit=10)] if q else []
    persons = None
    if auth.can_see_persons():
        persons = [{"person_key": h.key, "name": h.name, "birth_year": h.props.get("birth_year")}
                   for h in search.find(store, "person", q, limit=20)] if q else []
    return respond("search.html", {"q": q, "filters": filters, **result, "clusters": clusters,
                                   "persons": persons, "persons_hidden": persons is None,
                                   "role": auth.current_role()})


@page(bp, "/suggest.json", summary="Type-ahead suggestions", tag="search", json_only=True,
      params=(Param("q", description="What the user has typed so far: a name in any spelling or orgnr digits"),
              Param("kinds", description="Kinds to suggest (comma-separated; default all)",
                    enum=SUGGEST_KINDS, many=True)),
      errors=(400,), result={"suggestions": "list of {kind, key, label, sub, url, match}"})
def suggest():
    """Up to 8 organisations, 4 clusters and (advisors) 4 persons whose folded names match the typed words
    (exact, then prefixes, then near spellings); digits match organisation numbers."""
    store = get_store()
    q = (request.args.get("q") or "").strip()[:100]
    kinds = params.list_arg("kinds", SUGGEST_KINDS) or list(SUGGEST_KINDS)
    out = []
    if q:
        if "organization" in kinds:
            for h in search.find(store, "organization", q, limit=8):
                helix = h.props.get("helix")
                sector = str(facets.HELIX_TITLES.get(helix, helix)) if helix else gettext("unknown sector")
                sub = f"{h.key} · {sector}" + ("" if h.props.get("active") is not False else
                                                f" · {gettext('inactive')}")
                out.append({"kind": "organization", "key": h.key, "label": h.name or h.key, "sub": sub,
                            "url": f"/org/{h.key}", "match": h.match})
        if "cluster" in kinds:
            for h in search.find(store, "cluster", q, limit=4):
                sub = " · ".join(x for x in (gettext("cluster"), h.props.get("level") or "") if x)
                out.append({"kind": "cluster", "key": h.key, "label": h.name or h.key, "sub": sub,
                            "url": f"/cluster/{h.key}", "match": h.match})
        if "person" in kinds and auth.can_see_persons():
            for h in search.find(store, "person", q, limit=4):
                sub = gettext("person · born %(year)s", year=h.props.get("birth_year") or "?")
                out.append({"kind": "person", "key": h.key, "label": h.name or h.key, "sub": sub,
                            "url": f"/person/{h.key}", "match": h.match})
    return jsonify({"ok": True, "q": q, "suggestions": out})
