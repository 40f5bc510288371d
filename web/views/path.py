"""Path finder: shortest connections between two organisations."""

from __future__ import annotations

from flask import Blueprint, request

from web import auth, graph, params
from web.routes import Param, page, respond
from web.stores import get_store
from web.views.org import load_org

bp = Blueprint("path", __name__)


@page(bp, "/path", summary="Shortest connections between two organisations", tag="network",
      params=(Param("from", description="orgnr of the first organisation"),
              Param("to", description="orgnr of the second organisation"),
              Param("limit", "integer", "Most shortest paths listed", 10, minimum=1, maximum=50)),
      errors=(400, 404))
def path_page():
    """All shortest chains (up to `limit`, at most 6 hops) of roles and interlock ties linking two
    organisations through people and organisations, as a graph and as a list."""
    store = get_store()
    a_raw = (request.args.get("from") or "").strip()
    b_raw = (request.args.get("to") or "").strip()
    data: dict = {"from": a_raw, "to": b_raw, "paths": [], "nodes": [], "edges": [], "asked": False,
                  "from_org": None, "to_org": None}
    if a_raw or b_raw:
        a = load_org(store, a_raw) if a_raw else None
        b = load_org(store, b_raw) if b_raw else None
        if a is None or b is None:
            from flask import abort
            abort(400, description="give both organisations: /path?from=<orgnr>&to=<orgnr>")
        if a["orgnr"] == b["orgnr"]:
            from flask import abort
            abort(400, description=f"from and to are the same organisation ({a['orgnr']}); pick two")
        limit = params.int_arg("limit", 10, 1, 50)
        result = graph.paths_between(store, a["orgnr"], b["orgnr"], limit=limit, label=auth.person_label)
        data.update(result)
        data.update({"asked": True, "from": a["orgnr"], "to": b["orgnr"],
                     "from_org": {"orgnr": a["orgnr"], "name": a["name"]},
                     "to_org": {"orgnr": b["orgnr"], "name": b["name"]}})
    return respond("path.html", data)
