"""Person, cluster and region pages."""

from __future__ import annotations

from cypher import library
from flask import Blueprint

from web import analysis, auth, confidential, params
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
    mix = sorted(({"helix": m["helix"], "title": HELIX_TITLES.get(m["helix"] or "", m["helix"] or "unknown"),
                   "members": m["members"]} for m in c.pop("mix") if m["members"]),
                 key=lambda m: -m["members"])
    members = library.run(store, "cluster/members", {"cluster_id": cluster_id})
    return respond("cluster.html", {"cluster": c, "mix": mix, "members": members,
                                    "helix_types": len(mix), "member_count": sum(m["members"] for m in mix)})


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
    mix = sorted(({"helix": m["helix"], "title": HELIX_TITLES.get(m["helix"] or "", m["helix"] or "unknown"),
                   "organizations": m["organizations"], "active": m["active"]}
                  for m in r.pop("mix") if m["organizations"]), key=lambda m: -m["organizations"])
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


@page(bp, "/region/<region_id>/analysis", summary="Region analysis tables", tag="regions", params=ANALYSIS_PARAMS,
      errors=(400, 404))
def region_analysis(region_id: str):
    """The study's tables for a region (group comparisons with adjusted p-values and effect sizes, network
    structure, hypotheses, count models, sensitivity panel, location quotients, critical mass, cluster fit)
    from gds_jobs.analysis for the chosen population, seats and weighting; `figures` carries each figure's
    data for charts; a clear note when the analysis is not available. Computed on request (seconds). For
    advisors and above, `absorptive` adds the confidential absorptive-capacity section (advisors' interview
    assessments by group, their correlation with constraint and eigenvector, the interviewed firms; audited)."""
    params.not_empty(tuple(p.name for p in ANALYSIS_PARAMS))
    options = {"population": params.choice_arg("population", "firms", ("firms", "all")),
               "min_employees": params.int_arg("min_employees", 5, 0, 100000),
               "roles": params.choice_arg("roles", "board", ("board", "board+deputies", "board+ceo", "all")),
               "weighted": params.bool_arg("weighted", False),
               "sensitivity": params.bool_arg("sensitivity", False)}
    store = get_store()
    rows = library.run(store, "region/profile", {"region_id": region_id})
    if not rows:
        raise not_found(f"No region with id {region_id} is in the graph.", "See the list of regions.")
    shown = confidential.visible()
    result = analysis.region_tables(store, region_id, options, assessments=shown)
    if shown:
        confidential.record("view", f"region:{region_id}", f"region analysis of {region_id} with the "
                            "absorptive-capacity section", rows=(result.get("absorptive") or {}).get("interviewed"))
    return respond("region_analysis.html", {"region": {"region_id": rows[0]["region_id"], "name": rows[0]["name"]},
                                            "options": options, "analysis": result})
