"""The path finder's breadth-first search on FalkorDB, pinned to FalkorDB's own allShortestPaths
(the query Neo4j runs) and to networkx's shortest-path lengths on random role networks."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from cypher import library
from cypher.paths import MAX_HOPS, shortest_paths
from klynge.errors import QueryTimeout


def random_network(store, seed: int, orgs: int = 40, persons: int = 45) -> nx.Graph:
    """Organisations and persons with board roles (some pairs with two roles), organisations holding
    roles in organisations, and interlock ties; returns the same network as a networkx graph."""
    rnd = random.Random(seed)
    org_keys = [f"{900000000 + i}" for i in range(orgs)]
    person_keys = [f"p{i}" for i in range(persons)]
    roles, g = [], nx.Graph()
    g.add_nodes_from(org_keys + person_keys)
    for p in person_keys:
        for o in rnd.sample(org_keys, rnd.choice([1, 1, 2, 2, 3])):
            for role in rnd.sample(["MEDL", "LEDE", "DAGL"], rnd.choice([1, 1, 1, 2])):
                roles.append({"src": p, "dst": o, "role": role, "active": rnd.random() < 0.8})
            g.add_edge(p, o)
    org_roles = []
    for _ in range(orgs // 8):
        a, b = rnd.sample(org_keys, 2)
        org_roles.append({"src": a, "dst": b, "role": "DTPR", "active": True})
        g.add_edge(a, b)
    interlocks = []
    for _ in range(orgs // 6):
        a, b = rnd.sample(org_keys, 2)
        interlocks.append({"a": a, "b": b})
        g.add_edge(a, b)
    store.run("UNWIND $keys AS k CREATE (:Organization:Firm {orgnr: k, name: 'Org ' + k, helix: 'industry'})",
              {"keys": org_keys})
    store.run("UNWIND $keys AS k CREATE (:Person {person_key: k, name: 'Person ' + k})", {"keys": person_keys})
    store.run("UNWIND $rows AS r MATCH (p:Person {person_key: r.src}) MATCH (o:Organization {orgnr: r.dst}) "
              "CREATE (p)-[:HOLDS_ROLE {role: r.role, role_group: 'STYR', active: r.active}]->(o)", {"rows": roles})
    store.run("UNWIND $rows AS r MATCH (a:Organization {orgnr: r.src}) MATCH (b:Organization {orgnr: r.dst}) "
              "CREATE (a)-[:HOLDS_ROLE {role: r.role, role_group: 'DTPR', active: r.active}]->(b)",
              {"rows": org_roles})
    store.run("UNWIND $rows AS r MATCH (a:Organization {orgnr: r.a}) MATCH (b:Organization {orgnr: r.b}) "
              "CREATE (a)-[:INTERLOCK {weight: 1}]->(b)", {"rows": interlocks})
    return g


def as_set(rows) -> set[tuple]:
    fields = ("keys", "kinds", "names", "helix", "via", "roles", "active", "sources")
    out = {tuple(tuple(r[f]) for f in fields) + (r["hops"],) for r in rows}
    assert len(out) == len(rows), "a chain was listed twice"
    return out


@pytest.mark.parametrize(("seed", "orgs", "persons", "dense"), [(1, 40, 45, False), (2, 40, 45, False),
                                                          (3, 25, 70, True), (4, 15, 60, True)])
def test_search_finds_exactly_the_chains_of_all_shortest_paths(store, seed, orgs, persons, dense):
    g = random_network(store, seed, orgs, persons)
    orgs = sorted(n for n in g if not n.startswith("p"))
    rnd = random.Random(seed * 101)
    lengths, node_paths = [], []
    for _ in range(25):
        a, b = rnd.sample(orgs, 2)
        ours = shortest_paths(store, a, b, limit=100_000)
        theirs = library.run(store, "network/shortest_paths", {"from_orgnr": a, "to_orgnr": b, "limit": 100_000})
        assert as_set(ours) == as_set(theirs), (a, b)
        try:
            d = nx.shortest_path_length(g, a, b)
        except nx.NetworkXNoPath:
            d = None
        if d is None or d > MAX_HOPS:
            assert ours == []
        else:
            assert {r["hops"] for r in ours} == {d}
            # one chain per distinct node path of networkx, times the parallel roles along it
            assert {tuple(r["keys"]) for r in ours} == {tuple(p) for p in nx.all_shortest_paths(g, a, b)}
            node_paths.append(len({tuple(r["keys"]) for r in ours}))
        lengths.append(d)
    assert len({d for d in lengths if d}) >= 2, "the sample should hold pairs at several distances"
    if dense:
        assert max(node_paths) >= 2, "the sample should hold pairs linked by several shortest node paths"


def test_chains_branch_wherever_a_node_is_reached_from_several_nodes(store):
    """A and X share two board members, X and C two others: four chains A-p-X-q-C of 4 hops,
    which the search finds only if it keeps every parent of X on both sides."""
    store.run("CREATE (a:Organization {orgnr: '900000001'}), (x:Organization {orgnr: '900000002'}), "
              "(c:Organization {orgnr: '900000003'}) "
              "FOREACH (k IN ['p1', 'p2'] | CREATE (p:Person {person_key: k}) "
              "  CREATE (p)-[:HOLDS_ROLE {role: 'MEDL'}]->(a) CREATE (p)-[:HOLDS_ROLE {role: 'MEDL'}]->(x)) "
              "FOREACH (k IN ['p3', 'p4'] | CREATE (p:Person {person_key: k}) "
              "  CREATE (p)-[:HOLDS_ROLE {role: 'MEDL'}]->(x) CREATE (p)-[:HOLDS_ROLE {role: 'LEDE'}]->(c))")
    rows = shortest_paths(store, "900000001", "900000003")
    assert sorted(r["keys"][1] + r["keys"][3] for r in rows) == ["p1p3", "p1p4", "p2p3", "p2p4"]
    assert {r["hops"] for r in rows} == {4}


def test_limit_takes_that_many_chains_and_the_same_ones_each_time(store):
    g = random_network(store, 4)
    orgs = sorted(n for n in g if not n.startswith("p"))
    a, b = max(((x, y) for x in orgs[:10] for y in orgs[10:20] if nx.has_path(g, x, y)),
               key=lambda xy: len(list(nx.all_shortest_paths(g, *xy))))
    every = as_set(shortest_paths(store, a, b, limit=100_000))
    assert len(every) >= 3
    two = shortest_paths(store, a, b, limit=2)
    assert len(two) == 2 and as_set(two) <= every
    assert shortest_paths(store, a, b, limit=2) == two


def test_max_hops_bounds_the_search(store):
    store.run("CREATE (a:Organization {orgnr: '900000001'})<-[:HOLDS_ROLE {role: 'MEDL'}]-(:Person {person_key: 'p1'})"
              "-[:HOLDS_ROLE {role: 'MEDL'}]->(b:Organization {orgnr: '900000002'})"
              "-[:INTERLOCK]->(c:Organization {orgnr: '900000003'})")
    assert shortest_paths(store, "900000001", "900000003", max_hops=2) == []
    (row,) = shortest_paths(store, "900000001", "900000003", max_hops=3)
    assert row["keys"] == ["900000001", "p1", "900000002", "900000003"] and row["hops"] == 3
    assert row["via"] == ["HOLDS_ROLE", "HOLDS_ROLE", "INTERLOCK"]
    assert row["sources"] == ["p1", "p1", "900000002"] and row["kinds"] == [
        "organization", "person", "organization", "organization"]


def test_missing_organisations_have_no_paths_and_bad_arguments_are_refused(store):
    store.run("CREATE (:Organization {orgnr: '900000001'})")
    assert shortest_paths(store, "900000001", "123456789") == []
    assert shortest_paths(store, "123456789", "900000001") == []
    with pytest.raises(ValueError, match="same organisation"):
        shortest_paths(store, "900000001", "900000001")
    with pytest.raises(ValueError, match="at least 1"):
        shortest_paths(store, "900000001", "900000002", limit=0)


def test_a_search_past_its_time_stops_with_a_timeout(store):
    random_network(store, 5)
    with pytest.raises(QueryTimeout, match="path search took longer than 0 s"):
        shortest_paths(store, "900000001", "900000002", timeout_s=0)


def test_role_groups_keep_paths_to_board_and_ceo_ties_on_both_stores(any_store):
    """An auditor links A and C in two hops; through the board it takes four. With board and CEO only, the
    search ignores the auditor's ties (the networkx oracle: shortest paths without the REVI edges)."""
    any_store.run(
        "CREATE (a:Organization {orgnr: '900000001', name: 'A'}), (b:Organization {orgnr: '900000002', name: 'B'}), "
        "(c:Organization {orgnr: '900000003', name: 'C'}), (rev:Organization {orgnr: '900000009', name: 'REVISJON AS'}), "
        "(p:Person {person_key: 'p1', name: 'P'}), (q:Person {person_key: 'q1', name: 'Q'}) "
        "CREATE (rev)-[:HOLDS_ROLE {role: 'REVI', role_group: 'REVI', active: true}]->(a) "
        "CREATE (rev)-[:HOLDS_ROLE {role: 'REVI', role_group: 'REVI', active: true}]->(c) "
        "CREATE (p)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'STYR', active: true}]->(a) "
        "CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(b) "
        "CREATE (q)-[:HOLDS_ROLE {role: 'DAGL', role_group: 'DAGL', active: true}]->(b) "
        "CREATE (q)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'STYR', active: true}]->(c)")
    g = nx.Graph([("900000009", "900000001"), ("900000009", "900000003"), ("p1", "900000001"),
                  ("p1", "900000002"), ("q1", "900000002"), ("q1", "900000003")])
    every = shortest_paths(any_store, "900000001", "900000003")
    assert [r["keys"] for r in every] == [list(p) for p in nx.all_shortest_paths(g, "900000001", "900000003")]
    g.remove_node("900000009")
    core = shortest_paths(any_store, "900000001", "900000003", role_groups=("STYR", "DAGL"))
    assert [r["keys"] for r in core] == [list(p) for p in nx.all_shortest_paths(g, "900000001", "900000003")]
    assert core[0]["roles"] == ["LEDE", "MEDL", "DAGL", "MEDL"]
