"""`load reference`: municipalities, counties, regions, NACE hierarchy and value areas in the graph.

Expected values come from klynge/reference/data (data-sources.md §7: 3007 Ringerike → 3305;
Jevnaker 3236 in Akershus 32; the five Ringeriksregionen municipalities).
"""

from __future__ import annotations

import pytest

import loaders
from klynge import reference as ref


@pytest.fixture(scope="module")
def ref_graph(falkor_dir):
    """One reference load shared by this module's read-only tests (the load takes a few seconds)."""
    from cypher import open_store
    from klynge.config import load_settings

    st = open_store(load_settings({"data_dir": falkor_dir, "graph_name": "loaders_reference_module"}, environ={}))
    st.wipe()
    st.init_schema()
    summary = loaders.load("reference", None, st, progress=False)
    try:
        yield st, summary
    finally:
        st.wipe()
        st.close()


@pytest.fixture
def store(ref_graph):
    return ref_graph[0]


@pytest.fixture
def loaded(ref_graph):
    return ref_graph[1]


def test_reference_tables_become_nodes(store, loaded):
    c = store.counts()["labels"]
    assert c["Municipality"] == len(ref.municipalities())
    assert c["County"] == len(ref.counties())
    assert c["Industry"] == len(ref.nace("SN2025")) + len(ref.nace("SN2007"))
    assert c["Region"] == len(ref.regions())
    assert loaded.created == loaded.read and loaded.rejected == 0


def test_municipality_succession_and_counties(store, loaded):
    rows = store.read("MATCH (m:Municipality {code: '3007'})-[s:SUCCEEDED_BY]->(n:Municipality) "
                      "RETURN n.code AS n, s.date AS d, m.current_code AS cur")
    assert rows == [{"n": "3305", "d": "2024-01-01", "cur": "3305"}]
    rows = store.read("MATCH (m:Municipality {code: '3236'})-[:IN_COUNTY]->(c:County) RETURN c.code AS c")
    assert rows == [{"c": "32"}]


def test_region_membership(store, loaded):
    rows = store.read("MATCH (m:Municipality)-[:IN_REGION]->(:Region {region_id: 'ringeriksregionen'}) "
                      "RETURN m.code AS c ORDER BY c")
    assert [r["c"] for r in rows] == ["3236", "3305", "3310", "3316", "3318"]


def test_nace_hierarchy_correspondence_and_value_areas(store, loaded):
    rows = store.read("MATCH (i:Industry {industry_id: 'SN2025:62.100'})-[:PARENT*1..4]->(p:Industry) "
                      "RETURN p.code AS c")
    assert {r["c"] for r in rows} == set(ref.nace_ancestors("62.100", "SN2025"))
    rows = store.read("MATCH (:Industry {industry_id: 'SN2025:62.100'})-[:CORRESPONDS_TO]->(o:Industry) "
                      "RETURN o.code AS c ORDER BY c")
    assert [r["c"] for r in rows] == sorted(ref.sn2025_to_sn2007("62.100"))
    rows = store.read("MATCH (:Industry {industry_id: 'SN2025:43.210'})-[:IN_VALUE_AREA]->(v:ValueArea) "
                      "RETURN v.area_id AS a")
    assert rows == [{"a": ref.value_area("43.210")}]


def test_reference_reload_is_idempotent(store, loaded):
    before = store.counts()
    s = loaders.load("reference", None, store, progress=False)
    assert (s.created, s.updated, s.unchanged) == (0, 0, loaded.read)
    after = store.counts()
    assert after["relationships"] == before["relationships"]
    assert after["labels"]["Industry"] == before["labels"]["Industry"]
