"""Both engines on the same Neo4j graph give the same measures (needs Neo4j 5 with GDS: set NEO4J_URI).

The graph is Davis's Southern Women (networkx ``davis_southern_women_graph``): 18 women
× 14 events, loaded as persons holding board seats in 14 organisations, plus two
organisations with a seat each and no shared member (isolates) and an inactive seat
that must not count. Expected agreement per column is stated in
:mod:`gds_jobs.engines.gds`; the Burt family is local in both engines.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import gds_jobs
from gds_jobs import projection, runs
from gds_jobs.engines.gds import canonical_labels
from gds_jobs.jobs import run_jobs
from tests.conftest import fresh_store

pytestmark = pytest.mark.neo4j


@pytest.fixture
def neo4j_store(neo4j_settings):
    with fresh_store(neo4j_settings) as s:
        yield s


def load_davis(store) -> None:
    g = nx.davis_southern_women_graph()
    events = sorted(n for n, d in g.nodes(data=True) if d["bipartite"] == 1)
    orgnr = {e: f"9{i:08d}" for i, e in enumerate(events)}
    orgs = [{"orgnr": o, "name": e} for e, o in orgnr.items()] + [
        {"orgnr": "980000001", "name": "Isolate A"}, {"orgnr": "980000002", "name": "Isolate B"}]
    store.write_batches("UNWIND $rows AS row CREATE (:Organization {orgnr: row.orgnr, name: row.name})", orgs)
    seats = [{"p": w, "o": orgnr[e], "active": True} for w, e in g.edges() if e in orgnr] + \
            [{"p": e, "o": orgnr[w], "active": True} for w, e in g.edges() if w in orgnr]
    seats += [{"p": "solo-a", "o": "980000001", "active": True}, {"p": "solo-b", "o": "980000002", "active": True},
              {"p": "solo-b", "o": orgnr[events[0]], "active": False}]
    store.write_batches("UNWIND $rows AS row MERGE (:Person {person_key: row.p})", seats)
    store.write_batches(
        "UNWIND $rows AS row MATCH (p:Person {person_key: row.p}) MATCH (o:Organization {orgnr: row.o}) "
        "CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: row.active}]->(o)", seats)


def same_partition(a: pd.Series, b: pd.Series) -> bool:
    return canonical_labels(a).equals(canonical_labels(b.reindex(a.index)))


def test_gds_and_local_engines_agree_on_davis_southern_women(neo4j_store):
    load_davis(neo4j_store)
    proj = projection.interlock(neo4j_store)
    assert proj.graph.n == 16 and proj.counts()["interlock_isolates"] == 2
    cfg = runs.RunConfig.from_env(environ={})
    local_run = run_jobs(neo4j_store, engine="local", only=["measures"], config=cfg)
    local = gds_jobs.current_measures(neo4j_store).set_index("orgnr")
    gds_run = run_jobs(neo4j_store, engine="gds", only=["measures"], config=cfg)
    assert gds_run.engine == "gds" and local_run.engine == "local"
    gds = gds_jobs.current_measures(neo4j_store).set_index("orgnr")
    assert list(gds.index) == list(local.index)
    for col in ("degree", "weighted_degree", "betweenness", "closeness", "clustering", "pagerank"):
        np.testing.assert_allclose(gds[col].to_numpy(float), local[col].to_numpy(float), rtol=1e-4, atol=1e-6,
                                   err_msg=col)
    np.testing.assert_allclose(gds["eigenvector"].to_numpy(float), local["eigenvector"].to_numpy(float), atol=1e-4)
    assert same_partition(local["component"], gds["component"])
    for col in ("constraint", "constraint_weighted", "effective_size", "efficiency", "hierarchy"):
        pd.testing.assert_series_equal(gds[col], local[col], check_names=False)
    # communities: both valid partitions of similar quality (labels differ by construction)
    g = proj.graph.to_networkx()

    def modularity(labels: pd.Series) -> float:
        groups = [set(idx) for _, idx in labels.groupby(labels).groups.items()]
        return nx.community.modularity(g, groups, weight="weight")

    assert abs(modularity(gds["community"]) - modularity(local["community"])) < 0.05
    notes = runs.history(neo4j_store)[0]["counts"]["notes"]
    assert notes["eigenvector"].startswith(("gds", "local"))
    # the in-memory graph was dropped
    from cypher import gds as gds_client

    client = gds_client.connect(neo4j_store)
    try:
        assert client.run("CALL gds.graph.list() YIELD graphName RETURN graphName") == []
    finally:
        client.close()
