"""Person, cluster and region pages."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Blueprint
from flask_babel import gettext as _

from cypher import library
from web import analysis, auth, confidential, params
from web.errors import wants_json
from web.facets import HELIX_TITLES
from web.params import not_found
from web.routes import Param, page, respond
from web.stores import get_store

bp = Blueprint("places", __name__)


@page(bp, "/person/<person_key>", summary="Person page (advisors only)", tag="persons", errors=(403, 404))
def person(person_key: str):
    """A role holder's facts and every role they hold; shown to logged-in advisors only."""
    auth.require_person_access()
    store = get_store()
    rows = library.run(store, "person/profile", {"person_key": person_key})
    if not rows:
        raise not_found(f"No person with key {person_key} is in the graph.",
                        "Person keys change when the pseudonymisation key changes; search by name instead.")
    roles = library.run(store, "person/roles", {"person_key": person_key})
    return respond("person.html", {"person": rows[0], "roles": roles,
                                   "active_roles": sum(1 for r in roles if r.get("active"))})


@page(bp, "/clusters", summary="All clusters", tag="clusters", errors=())
def clusters():
    """Every innovation cluster with its level and member count."""
    return respond("clusters.html", {"clusters": library.run(get_store(), "cluster/list")})


@page(bp, "/cluster/<cluster_id>", summary="Cluster page", tag="clusters")
def cluster(cluster_id: str):
    """A cluster's facts, the triple-helix mix of its members and the member list."""
    store = get_store()
    rows = library.run(store, "cluster/profile", {"cluster_id": cluster_id})
    if not rows:
        raise not_found(f"No cluster with id {cluster_id} is in the graph.", "See the list of clusters.")
    c = rows[0]
    mix = sorted(({"helix": m["helix"], "title": str(HELIX_TITLES.get(m["helix"] or "", m["helix"] or _("unknown"))),
                   "members": m["members"]} for m in c.pop("mix") if m["members"]),
                 key=lambda m: (-m["members"], m["helix"] or ""))
    members = library.run(store, "cluster/members", {"cluster_id": cluster_id})
    return respond("cluster.html", {"cluster": c, "mix": mix, "members": members,
                                    "helix_types": len(mix), "member_count": sum(m["members"] for m in mix),
                                    "candidates_url": f"/cluster/{quote(cluster_id, safe='')}/candidates"})


CANDIDATE_PARAMS = (
    Param("region", description="only candidates located in this region (id), e.g. ringeriksregionen", min_length=1,
          pattern=r"^[^\x00-\x1f\x7f]+$"),
    Param("top", "integer", "how many candidates", default=20, minimum=1, maximum=200),
)


@page(bp, "/cluster/<cluster_id>/candidates", summary="Candidate firms for a cluster", tag="clusters",
      params=CANDIDATE_PARAMS, errors=(400, 404),
      result={"candidates": "{status, note, columns, rows, all_columns, all_rows, details: list of {parts, "
                            "similar, chains}, weights, candidates, members}"})
def cluster_candidates(cluster_id: str):
    """The firms that fit the cluster best and are not members (active industry firms that file accounts), each
    with its score as a sum of named parts (industry, board network, geography) with weights, the members it is
    most like and its board chains to members — persons named for advisors, "board member N" for everyone else;
    computed once per measures run (gds_jobs.analysis.fit), a clear note when that is not available."""
    from flask import abort, request

    params.not_empty(tuple(p.name for p in CANDIDATE_PARAMS))
    top = params.int_arg("top", 20, 1, 200)
    region = (request.args.get("region") or "").strip() or None
    if region and not re.fullmatch(CANDIDATE_PARAMS[0].pattern or "", region):
        abort(400, description="parameter region holds a control character; give a region id such as "
                               "ringeriksregionen")
    store = get_store()
    rows = library.run(store, "cluster/profile", {"cluster_id": cluster_id})
    if not rows:
        raise not_found(f"No cluster with id {cluster_id} is in the graph.", "See the list of clusters.")
    if region and not library.run(store, "region/profile", {"region_id": region}):
        raise not_found(f"No region with id {region} is in the graph.", "See the list of regions.")
    result = analysis.cluster_candidates(store, cluster_id, region=region, top=top,
                                         show_names=auth.can_see_persons())
    c = rows[0]
    return respond("cluster_candidates.html", {"cluster": {"cluster_id": c["cluster_id"], "name": c.get("name")},
                                               "region": region, "top": top, "candidates": result})


@page(bp, "/regions", summary="All regions", tag="regions", errors=())
def regions():
    """Every user-defined region with its number of municipalities."""
    return respond("regions.html", {"regions": library.run(get_store(), "region/list")})


@page(bp, "/region/<region_id>", summary="Region page", tag="regions")
def region(region_id: str):
    """A region's municipalities, organisations per helix sector, clusters with members there and its
    largest organisations; `analysis_url` points to the analysis tables."""
    store = get_store()
    rows = library.run(store, "region/profile", {"region_id": region_id})
    if not rows:
        raise not_found(f"No region with id {region_id} is in the graph.", "See the list of regions.")
    r = rows[0]
    mix = sorted(({"helix": m["helix"], "title": str(HELIX_TITLES.get(m["helix"] or "", m["helix"] or _("unknown"))),
                   "organizations": m["organizations"], "active": m["active"]}
                  for m in r.pop("mix") if m["organizations"]),
                 key=lambda m: (-m["organizations"], m["helix"] or ""))
    r["municipalities"] = sorted((m for m in r["municipalities"] if m.get("code")), key=lambda m: m["code"])
    return respond("region.html", {
        "region": r, "mix": mix,
        "clusters": library.run(store, "region/clusters", {"region_id": region_id}),
        "organizations": library.run(store, "search/organizations_in_region", {"region_id": region_id,
                                                                              "limit": 25}),
        "analysis_url": f"/region/{region_id}/analysis"})


ANALYSIS_PARAMS = (
    Param("population", description="firms: industry organisations that file accounts (the study); all: every "
          "organisation", default="firms", enum=("firms", "all")),
    Param("min_employees", "integer", "population: at least this many registered employees", default=5, minimum=0,
          maximum=100000),
    Param("roles", description="seats that tie two organisations of the network", default="board",
          enum=("board", "board+deputies", "board+ceo", "all")),
    Param("weighted", "boolean", "Burt's constraint on tie weights instead of 0/1 ties", default=False),
    Param("sensitivity", "boolean", "compute the sensitivity panel (every population x seats x weighting; "
          "several seconds more)", default=False),
)


@page(bp, "/region/<region_id>/analysis", summary="Region analysis with the study's charts", tag="regions",
      params=ANALYSIS_PARAMS, errors=(400, 404))
def region_analysis(region_id: str):
    """The study's figures and tables for a region (group comparisons with adjusted p-values and effect sizes,
    network structure, hypotheses, count models, sensitivity panel, location quotients, critical mass, cluster
    fit) from gds_jobs.analysis for the chosen population, seats and weighting, drawn as charts (server-side
    SVG) with plain column names; `analysis.figures` carries each figure's statistics and `charts` what each
    chart draws; a clear note when the analysis is not available. Computed once per options, measures run and
    data load, then kept. For advisors and above, `analysis.absorptive` adds the confidential absorptive-capacity
    section (advisors' interview assessments by group, their correlation with constraint and eigenvector, the
    interviewed firms), computed per request and audited."""
    from markupsafe import Markup

    from web import i18n

    params.not_empty(tuple(p.name for p in ANALYSIS_PARAMS))
    options = {"population": params.choice_arg("population", "firms", ("firms", "all")),
               "min_employees": params.int_arg("min_employees", 5, 0, 100000),
               "roles": params.choice_arg("roles", "board", ("board", "board+deputies", "board+ceo", "all")),
               "weighted": params.bool_arg("weighted", False),
               "sensitivity": params.bool_arg("sensitivity", False)}
    store = get_store()
    rows = library.run(store, "region/list")
    match = next((r for r in rows if r.get("region_id") == region_id), None)
    if match is None:
        raise not_found(_("No region with id %(id)s is in the graph.", id=region_id), _("See the list of regions."))
    entry = analysis.region_analysis(store, region_id, options)
    res = entry["result"]
    figs = [analysis.localised(f) for f in res.get("_figures", [])]
    data = {"region": {"region_id": match["region_id"], "name": match.get("name")}, "options": options,
            "analysis": {k: v for k, v in res.items() if not k.startswith("_")},
            "charts": [analysis.figure_json(f) for f in figs]}
    if confidential.visible():  # advisors and above; the cached public analysis never holds it
        data["analysis"]["absorptive"] = analysis.absorptive(store, entry)
        confidential.record("view", f"region:{region_id}", f"region analysis of {region_id} with the "
                            "absorptive-capacity section", rows=data["analysis"]["absorptive"]["interviewed"])
    if wants_json():
        return respond("region_analysis.html", data)
    drawn = analysis.region_charts(entry, i18n.locale_code(), i18n.auto_number,
                                   lambda n: _("n = %(n)s", n=i18n.number(n)), _("no values"))
    figures_by_table: dict[str, list] = {}
    for f in figs:
        table = f.key.rsplit("_", 1)[0] if f.key.startswith("critical_nace_breakdown_") else f.key
        figures_by_table.setdefault(table, []).append({"figure": f, "svg": Markup(drawn.get(f.key, ""))})
    return respond("region_analysis.html", {**data, "figures_by_table": figures_by_table,
                                            "column_title": analysis.column_title, "analysis_text": analysis.analysis_text,
                                            "hidden_columns": analysis.HIDDEN_COLUMNS})
