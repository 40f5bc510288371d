"""Every query file has front-matter, binds its parameters and runs on the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest

from cypher import library
from klynge.errors import ConfigError, QueryError

QUERIES = library.load_library()

SMALL_GRAPH = """
CREATE (eq:Organization:Firm {orgnr: '923609016', name: 'EQUINOR ASA', helix: 'industry', active: true, employees: 100})
CREATE (dnb:Organization:Firm {orgnr: '984851006', name: 'DNB BANK ASA', helix: 'industry', active: true, employees: 50})
CREATE (p:Person {person_key: 'p1', name: 'Kari Nordmann', birth_year: 1970})
CREATE (q:Person {person_key: 'p2', name: 'Ola Nordmann', birth_year: 1965})
CREATE (p)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'STYR', active: true}]->(eq)
CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(dnb)
CREATE (q)-[:HOLDS_ROLE {role: 'DAGL', role_group: 'DAGL', active: true}]->(eq)
CREATE (eq)-[:INTERLOCK {weight: 1, run_id: 'r1'}]->(dnb)
CREATE (:Meta {key: 'measures', interlock_run: 'r1'})
CREATE (m:Municipality {code: '3305', name: 'Ringerike'})
CREATE (r:Region {region_id: 'ringeriksregionen', name: 'Ringeriksregionen'})
CREATE (m)-[:IN_REGION]->(r)
CREATE (eq)-[:LOCATED_IN]->(m)
"""


def test_library_is_not_empty_and_names_are_unique():
    names = [(q.name, q.dialect) for q in QUERIES]
    assert len(names) >= 5 and len(names) == len(set(names))


@pytest.mark.parametrize("q", QUERIES, ids=[f"{q.name}@{q.dialect}" for q in QUERIES])
def test_query_file_has_front_matter(q):
    assert q.title and q.description and q.mode in ("read", "write")
    assert not q.text.lstrip().startswith("//")


@pytest.mark.parametrize("q", [q for q in QUERIES if q.dialect in ("portable", "falkordb")],
                         ids=lambda q: q.name)
def test_query_runs_on_embedded_store_with_example_params(store, q):
    store.run(SMALL_GRAPH)
    params = q.bind(use_example=True)
    rows = store.read(q.text, params) if q.mode == "read" else store.run(q.text, params)
    assert isinstance(rows, list)


def test_ego_network_lists_other_boards(store):
    store.run(SMALL_GRAPH)
    rows = library.run(store, "network/ego_network", {"orgnr": "923609016"})
    assert rows == [{"person_key": "p1", "role_here": "LEDE", "other_seats": 1,
                     "organizations": [{"orgnr": "984851006", "name": "DNB BANK ASA", "role": "MEDL"}]}]


def test_shortest_path_goes_through_a_person_or_interlock(store):
    store.run(SMALL_GRAPH)
    rows = library.run(store, "network/shortest_path", {"from_orgnr": "923609016", "to_orgnr": "984851006"})
    assert rows[0]["hops"] == 1 and rows[0]["keys"] == ["923609016", "984851006"]


def test_missing_parameter_is_named():
    q = library.get("organization/profile", "falkordb")
    with pytest.raises(QueryError, match="needs parameter orgnr"):
        q.bind({})
    with pytest.raises(QueryError, match="has no parameter bogus"):
        q.bind({"orgnr": "1", "bogus": "x"})


def test_parameter_types_are_coerced_and_checked():
    q = library.get("network/ego_network", "falkordb")
    assert q.bind({"orgnr": "1", "per_person": "7"}) == {"orgnr": "1", "per_person": 7}
    with pytest.raises(QueryError, match="per_person must be int"):
        q.bind({"orgnr": "1", "per_person": "many"})


def test_malformed_front_matter_names_the_file(tmp_path: Path):
    bad = tmp_path / "bad.cypher"
    bad.write_text("// name: x\n// mode: read\nRETURN 1\n")
    with pytest.raises(ConfigError, match=r"bad\.cypher: front-matter lacks title, description"):
        library.parse_file(bad)


def test_interlocks_show_only_the_current_runs_ties(store):
    """A run in progress writes ties with its own run_id; readers see the published run's only."""
    store.run(SMALL_GRAPH)
    store.run("MATCH (a:Organization {orgnr: '923609016'}) MATCH (b:Organization {orgnr: '984851006'}) "
              "CREATE (a)-[:INTERLOCK {weight: 7, run_id: 'r2-in-progress'}]->(b)")
    rows = library.run(store, "network/interlocks", {"orgnr": "923609016"})
    assert rows == [{"orgnr": "984851006", "name": "DNB BANK ASA", "helix": "industry", "shared_persons": 1}]
