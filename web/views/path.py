"""Path finder: shortest connections between two organisations, given by number or by name.

Each end is an organisation number or a name in any spelling (resolved by the name search,
:func:`cypher.search.find`): a 9-digit number or a single clear match (an exact name key, or
the only match) is taken; several matches are offered as choices; none is a 404 naming the text.
With one end given (the profile's "Find a path from here") the page shows the form with that end
filled in. Paths follow board and CEO roles (``roles=core``, the default) and interlock ties;
``roles=all`` also follows auditors, accountants and every other role.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, request
from flask_babel import gettext

from cypher import library, search
from cypher.schema.model import CORE_ROLE_GROUPS
from web import auth, graph, params
from web.i18n import role_name
from web.routes import Param, page, respond
from web.stores import get_store

if TYPE_CHECKING:
    from cypher.store import GraphStore

bp = Blueprint("path", __name__)

ROLE_CHOICES = ("core", "all")


def resolve_org(store: GraphStore, raw: str, which: str) -> tuple[dict | None, list[dict]]:
    """(the organisation, []) for a number or a clear name; (None, choices) when the name is ambiguous."""
    text = raw.strip()
    digits = text.replace(" ", "")
    if digits.isdigit():
        orgnr = params.orgnr(text, which)
        rows = library.run(store, "network/node_details", {"orgnrs": [orgnr]})
        if not rows:
            raise params.not_found(gettext("No organisation with number %(orgnr)s is in the graph.", orgnr=orgnr),
                                   gettext("Check the number, or type the name."))
        return {"orgnr": orgnr, "name": rows[0].get("name")}, []
    hits = search.find(store, "organization", text, limit=8)
    if not hits:
        raise params.not_found(gettext("No organisation matches “%(text)s” (%(which)s).", text=text, which=which),
                               gettext("Try another spelling or the organisation number."))
    best = [h for h in hits if h.match == "exact"]
    if len(best) == 1 or len(hits) == 1:
        h = best[0] if len(best) == 1 else hits[0]
        return {"orgnr": h.key, "name": h.name}, []
    return None, [{"orgnr": h.key, "name": h.name, "active": h.props.get("active"),
                   "employees": h.props.get("employees"), "helix": h.props.get("helix")} for h in hits]


def _step_links(paths: list[dict]) -> None:
    for p in paths:
        for link in p["links"]:
            link["role_name"] = role_name(link["role"]) if link.get("role") else None
            for m in link.get("persons") or []:
                m["role_from_name"], m["role_to_name"] = role_name(m["role_from"]), role_name(m["role_to"])


@page(bp, "/path", summary="Shortest connections between two organisations", tag="network",
      params=(Param("from", description="First organisation: orgnr or name"),
              Param("to", description="Second organisation: orgnr or name"),
              Param("roles", description="core: board and CEO roles (default); all: every role, auditors and "
                                         "accountants included", default="core", enum=ROLE_CHOICES),
              Param("limit", "integer", "Most shortest paths listed", 10, minimum=1, maximum=50)),
      errors=(400, 404))
def path_page():
    """All shortest chains (up to `limit`, at most 6 hops) of roles and interlock ties linking two
    organisations through people and organisations, as a graph and as a list naming the people (advisors)
    and the role on each step. Ends are numbers or names; an ambiguous name returns `choices`."""
    store = get_store()
    a_raw = (request.args.get("from") or "").strip()[:200]
    b_raw = (request.args.get("to") or "").strip()[:200]
    roles = params.choice_arg("roles", "core", ROLE_CHOICES)
    limit = params.int_arg("limit", 10, 1, 50)
    data: dict = {"from": a_raw, "to": b_raw, "roles": roles, "paths": [], "nodes": [], "edges": [],
                  "asked": False, "from_org": None, "to_org": None, "choices": {}}
    a = b = None
    if a_raw:
        a, choices = resolve_org(store, a_raw, "from")
        if choices:
            data["choices"]["from"] = choices
    if b_raw:
        b, choices = resolve_org(store, b_raw, "to")
        if choices:
            data["choices"]["to"] = choices
    data["from_org"], data["to_org"] = a, b
    if a is not None:
        data["from"] = a["orgnr"]
    if b is not None:
        data["to"] = b["orgnr"]
    if a is None or b is None:
        return respond("path.html", data)
    if a["orgnr"] == b["orgnr"]:
        abort(400, description=gettext("From and to are the same organisation (%(orgnr)s); pick two.",
                                       orgnr=a["orgnr"]))
    groups = CORE_ROLE_GROUPS if roles == "core" else None
    result = graph.paths_between(store, a["orgnr"], b["orgnr"], limit=limit, label=auth.person_label,
                                 role_groups=groups)
    _step_links(result["paths"])
    data.update(result)
    data.update({"asked": True, "from": a["orgnr"], "to": b["orgnr"]})
    return respond("path.html", data)
