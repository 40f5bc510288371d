"""Organisation profile, ego-network explorer and its network JSON."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response

from cypher import library
from cypher.schema.model import ADVISORY_ROLE_GROUPS, CORE_ROLE_GROUPS
from web import analysis, auth, confidential, graph, measures, params
from web.facets import HELIX_TITLES, section_title
from web.routes import Param, page, respond
from web.stores import get_store

bp = Blueprint("org", __name__)

NETWORK_PARAMS = (
    Param("depth", "integer", "Hops from the organisation", 1, minimum=1, maximum=3),
    Param("cap", "integer", "Most neighbours shown per node (the rest is counted as +N more)", 25,
          minimum=1, maximum=500),
    Param("kinds", description="Neighbour kinds to show (comma-separated)", default="person,organization",
          enum=graph.KINDS, many=True),
    Param("roles", description="Role groups or roles to follow (comma-separated): default STYR,DAGL (board and "
                               "CEO); add REVI,REGN for auditors and accountants; all follows every role",
          default="STYR,DAGL", many=True),
    Param("active", "boolean", "Follow only active roles", True),
    Param("helix", description="Helix sectors of organisations to show (comma-separated)", enum=graph.HELIX,
          many=True),
)


def load_org(store, raw: str) -> dict:
    orgnr = params.orgnr(raw)
    rows = library.run(store, "organization/profile", {"orgnr": orgnr})
    if not rows:
        raise params.not_found(f"No organisation with orgnr {orgnr} is in the graph.",
                               "Check the number in Enhetsregisteret, or search by name on the search page.")
    return rows[0]


def load_root(store, raw: str) -> dict:
    """The facts an ego network needs of its root (orgnr, name, helix, active): one light read, not the profile."""
    orgnr = params.orgnr(raw)
    rows = library.run(store, "network/node_details", {"orgnrs": [orgnr]})
    if not rows:
        raise params.not_found(f"No organisation with orgnr {orgnr} is in the graph.",
                               "Check the number in Enhetsregisteret, or search by name on the search page.")
    r = rows[0]
    return {"orgnr": r["key"], "name": r.get("name"), "helix": r.get("helix"), "active": r.get("active")}


def json_response(data: dict) -> Response:
    """``data`` as a JSON response encoded by orjson (several times faster than the json module for
    networks of hundreds of nodes; NaN and infinities become null)."""
    return Response(orjson.dumps(data), mimetype="application/json")


def network_filters() -> graph.Filters:
    """The explorer's filters; roles default to board and CEO (auditors and accountants only when asked)."""
    kinds = params.list_arg("kinds", graph.KINDS) or list(graph.KINDS)
    roles = params.list_arg("roles") or list(CORE_ROLE_GROUPS)
    if "all" in roles:
        roles = []
    helix = params.list_arg("helix", graph.HELIX)
    return graph.Filters(kinds=tuple(kinds), role_groups=tuple(roles) if roles else None,
                         active_only=params.bool_arg("active", True), helix=tuple(helix) if helix else None)


def _mask_holder(row: dict, key: str = "holder_key", kind: str = "holder_kind", name: str = "holder_name") -> dict:
    row = dict(row)
    if row.get(kind) == "person":
        row[name] = auth.person_label(row.get(key), row.get(name))
        row["link"] = f"/person/{row[key]}" if auth.can_see_persons() else None
    else:
        row["link"] = f"/org/{row[key]}"
    return row


@page(bp, "/org/<orgnr>", summary="Organisation profile", tag="organisations", errors=(400, 404))
def profile(orgnr: str):
    """Facts with source and "as of" date, current board and CEO, roles in other organisations, cluster
    memberships, grants, patents, accounts over the years, network measures with percentiles and the
    cluster-fit list; for advisors and above also `absorptive`: the latest final absorptive-capacity
    assessment's scores, date and advisor (confidential, audited)."""
    store = get_store()
    org = load_org(store, orgnr)
    orgnr = org["orgnr"]
    board = [_mask_holder(r) for r in library.run(store, "organization/board", {"orgnr": orgnr})]
    elsewhere = [_mask_holder(r) for r in library.run(store, "organization/roles_elsewhere", {"orgnr": orgnr})]
    held = library.run(store, "organization/held_roles", {"orgnr": orgnr})
    card = measures.for_organization(store, org)
    data = {
        "organization": {**org, "helix_title": str(HELIX_TITLES.get(org.get("helix") or "", org.get("helix") or "")),
                         "nace_section_title": section_title(org.get("nace_section"), org.get("nace_version"))},
        "board": board,
        "roles_elsewhere": elsewhere,
        "held_roles": held,
        "clusters": library.run(store, "organization/clusters", {"orgnr": orgnr}),
        "grants": library.run(store, "organization/grants", {"orgnr": orgnr}),
        "patents": library.run(store, "organization/patents", {"orgnr": orgnr}),
        "accounts": library.run(store, "organization/accounts", {"orgnr": orgnr}),
        "measures": card,
        "cluster_fit_url": f"/org/{orgnr}/fit.json",
        "persons_visible": auth.can_see_persons(),
    }
    if confidential.visible():  # advisors and above: the latest assessment (audited); others get no such key
        from web.views.assessments import profile_card

        data["absorptive"] = profile_card(orgnr)
    return respond("org.html", data)


@page(bp, "/org/<orgnr>/fit", summary="Cluster fit of an organisation", tag="organisations", errors=(400, 404))
def fit(orgnr: str):
    """The clusters that fit the organisation best, with the scores and the explanation path of each, from
    the analysis module (gds_jobs.analysis.fit); a clear note when that is not available."""
    store = get_store()
    org = load_org(store, orgnr)
    result = analysis.cluster_fit(store, org["orgnr"], show_names=auth.can_see_persons())
    return respond("fit.html", {"organization": org, "cluster_fit": result})


@page(bp, "/org/<orgnr>/explore", summary="Ego-network explorer", tag="network", params=NETWORK_PARAMS,
      errors=(400, 404))
def explore(orgnr: str):
    """The ego-network explorer page; its JSON twin is the same network as /org/{orgnr}/network.json."""
    from web.errors import wants_json

    store = get_store()
    org = load_org(store, orgnr)
    if wants_json():
        return respond("explore.html", _network(store, org))
    f = network_filters()  # validates the parameters; the page itself loads the network as JSON
    roles = list(f.role_groups or [])
    core = [r for r in roles if r not in ADVISORY_ROLE_GROUPS]
    data = {"depth": params.int_arg("depth", 1, 1, 3), "cap": params.int_arg("cap", 25, 1, 500),
            "filters": {"kinds": list(f.kinds), "roles": roles, "active_only": f.active_only,
                        "helix": list(f.helix or [])},
            "roles_choice": "all" if not roles else ",".join(core) or ",".join(CORE_ROLE_GROUPS),
            "advisory": not roles or any(r in ADVISORY_ROLE_GROUPS for r in roles)}
    return respond("explore.html", {"organization": org, **data,
                                    "measures_available": [{"name": m.name, "title": str(m.title)}
                                                           for m in measures.MEASURES],
                                    "persons_visible": auth.can_see_persons()})


def _network(store, org: dict) -> dict:
    depth = params.int_arg("depth", 1, 1, 3)
    cap = params.int_arg("cap", 25, 1, 500)
    return graph.ego_network(store, org["orgnr"], org, depth=depth, cap=cap, filters=network_filters(),
                             label=auth.person_label)


@page(bp, "/org/<orgnr>/network.json", summary="Ego network as nodes and edges", tag="network",
      params=NETWORK_PARAMS, json_only=True, errors=(400, 404),
      result={"nodes": "list of {key, kind, label, depth, more, helix, active, measures}",
              "edges": "list of {id, source, target, type, role, active, weight}", "truncated": "bool"})
def network_json(orgnr: str):
    """Nodes and edges of the organisation's ego network to the given depth; at most `cap` neighbours per
    node, the rest counted in the node's `more`; keys are business keys; person names are masked for
    viewers."""
    store = get_store()
    root = load_root(store, orgnr)
    return json_response({"ok": True, **_network(store, root)})


@page(bp, "/network/expand.json", summary="Expand one node of the explorer", tag="network",
      params=(Param("key", description="orgnr or person key"),
              Param("kind", description="Node kind", default="organization", enum=graph.KINDS),
              *NETWORK_PARAMS[1:]), json_only=True, errors=(400, 404))
def expand():
    """One node's capped neighbours with the ties among them."""
    from flask import request

    store = get_store()
    kind = params.choice_arg("kind", "organization", graph.KINDS)
    key = (request.args.get("key") or "").strip()
    if kind == "organization":
        key = params.orgnr(key, "key")
    elif not key:
        from flask import abort
        abort(400, description="parameter key is required: an orgnr or a person key")
    cap = params.int_arg("cap", 25, 1, 500)
    result = graph.expand_node(store, key, kind, cap=cap, filters=network_filters(), label=auth.person_label)
    if not result:
        raise params.not_found(f"No {kind} with key {key} is in the graph.")
    return json_response({"ok": True, **result})
