"""The same source files in both stores: the same graph, the same measures, the same report and fit.

One synthetic Norway (the generator's 500 units, every source format) is loaded into the embedded
FalkorDB and into Neo4j. Then:

* the graphs are equal: nodes per label, relationships per type, and a hash of every node's and
  relationship's labels, type, properties and endpoints (:mod:`cypher.snapshot`);
* the local engine gives the same measures on both stores;
* on Neo4j, GDS (``--engine gds``) agrees with the local engine on the same graph within the
  tolerances stated in :mod:`gds_jobs.engines.gds` (1e-6 relative where the algorithm is the same;
  Louvain's communities are compared by modularity, as the two implementations break ties differently);
* the region report's tables and ``klynge fit`` give the same rows on both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import gds_jobs
import loaders
from cypher import open_store
from cypher.snapshot import snapshot
from gds_jobs import projection, runs
from gds_jobs.analysis import region_tables
from gds_jobs.analysis.fit import fit_for_cluster, fit_for_firm
from cypher.schema.measures import GDS_AGREEMENT
from gds_jobs.engines.gds import canonical_labels
from gds_jobs.jobs import run_jobs
from klynge.config import load_settings

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]

REGION = "ringeriksregionen"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from loaders.synth import generate

    d = tmp_path_factory.mktemp("twin-synth")
    generate(d, 500, 7)
    return d


def _load(store: Any, synth_dir, reject_dir) -> None:
    store.init_schema()
    loaders.load("reference", None, store, progress=False, reject_dir=reject_dir)
    loaders.load("synthetic", synth_dir, store, progress=False, reject_dir=reject_dir,
                 review_out=reject_dir / "review.csv")


@pytest.fixture(scope="module")
def twin(synth_dir, falkor_dir, neo4j_settings, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """{"falkordb": store, "neo4j": store}, both loaded from the same files (Neo4j emptied first)."""
    rejects = tmp_path_factory.mktemp("twin-rejects")
    falkor = open_store(load_settings({"data_dir": falkor_dir, "graph_name": "twin"}, environ={}))
    neo = open_store(neo4j_settings)
    stores = {"falkordb": falkor, "neo4j": neo}
    try:
        for s in stores.values():
            s.wipe()
            _load(s, synth_dir, rejects)
        yield stores
    finally:
        for s in stores.values():
            s.wipe()
            s.close()


def test_the_same_files_give_the_same_graph_in_both_stores(twin):
    f, n = snapshot(twin["falkordb"]), snapshot(twin["neo4j"])
    print(f"{f.nodes} nodes and {f.relationships} relationships in each store; digest {f.digest[:16]}")
    assert twin["falkordb"].counts() == twin["neo4j"].counts()
    assert f.counts() == n.counts() and f.nodes > 5_000 and f.relationships > 10_000
    assert f.digest == n.digest, f.diff(n)


def _measures(store: Any, engine: str) -> tuple[pd.DataFrame, Any]:
    run = run_jobs(store, engine=engine, only=["measures"], config=runs.RunConfig.from_env(environ={}))
    assert run.status == "succeeded" and run.engine == engine
    return gds_jobs.current_measures(store).set_index("orgnr").sort_index(), run


def test_the_local_engine_gives_the_same_measures_on_both_stores(twin):
    f, _ = _measures(twin["falkordb"], "local")
    n, _ = _measures(twin["neo4j"], "local")
    assert len(f) > 200 and list(f.index) == list(n.index)
    pd.testing.assert_frame_equal(f, n, check_exact=False, rtol=1e-12, atol=1e-12)


def test_gds_agrees_with_the_local_engine_on_the_same_neo4j_graph(twin):
    store = twin["neo4j"]
    local, _ = _measures(store, "local")
    gds, run = _measures(store, "gds")
    assert list(gds.index) == list(local.index)
    notes = run.counts["notes"]
    assert notes["eigenvector"].startswith("gds"), notes  # GDS's own values were within tolerance
    for col, (rtol, atol) in GDS_AGREEMENT.items():
        a, b = local[col].to_numpy(float), gds[col].to_numpy(float)
        worst = float(np.max(np.abs(a - b)))
        print(f"{col:16s} max |gds - local| = {worst:.3g}")
        np.testing.assert_allclose(b, a, rtol=rtol, atol=atol, err_msg=col)
    assert canonical_labels(local["component"]).equals(canonical_labels(gds["component"]))
    for col in ("constraint", "constraint_weighted", "effective_size", "efficiency", "hierarchy"):
        pd.testing.assert_series_equal(gds[col], local[col], check_names=False)  # local in both engines
    g = projection.interlock(store).graph.to_networkx()

    def modularity(labels: pd.Series) -> float:
        return nx.community.modularity(g, [set(ix) for ix in labels.groupby(labels).groups.values()], weight="weight")

    q_local, q_gds = modularity(local["community"]), modularity(gds["community"])
    print(f"Louvain modularity: local {q_local:.4f}, GDS {q_gds:.4f}")
    assert q_local > 0.5 and abs(q_local - q_gds) < 0.03


def test_the_region_report_and_fit_give_the_same_tables_on_both_stores(twin):
    for s in twin.values():
        _measures(s, "local")
    tables = {k: region_tables(s, REGION, bootstrap=200) for k, s in twin.items()}
    assert tables["falkordb"].keys() == tables["neo4j"].keys() and len(tables["neo4j"]) >= 10
    for name, frame in tables["falkordb"].items():
        pd.testing.assert_frame_equal(_same_run(frame), _same_run(tables["neo4j"][name]), check_exact=False,
                                      rtol=1e-9, obj=name)
    cluster = twin["neo4j"].read("MATCH (c:Cluster)<-[:MEMBER_OF]-() RETURN c.cluster_id AS id, count(*) AS n "
                                 "ORDER BY n DESC, id LIMIT 1")[0]["id"]
    fits = {k: fit_for_cluster(s, cluster, REGION, top=20) for k, s in twin.items()}
    pd.testing.assert_frame_equal(_table(fits["falkordb"]), _table(fits["neo4j"]), check_exact=False, rtol=1e-9)
    firm = _table(fits["neo4j"]).iloc[0]["orgnr"]
    firms = {k: fit_for_firm(s, firm) for k, s in twin.items()}
    pd.testing.assert_frame_equal(_table(firms["falkordb"]), _table(firms["neo4j"]), check_exact=False, rtol=1e-9)


def _same_run(frame: pd.DataFrame) -> pd.DataFrame:
    """The table without the measures run's id (each store has its own run)."""
    return frame.drop(columns=[c for c in frame.columns if c == "measures_run"]).reset_index(drop=True)


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    assert isinstance(frame, pd.DataFrame) and len(frame)
    return frame.reset_index(drop=True)
