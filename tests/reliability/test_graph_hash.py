"""cypher.snapshot: the graph hash the crash and bad-input checks compare, and that it notices one change."""

from __future__ import annotations

from cypher.snapshot import JOB_BOOKKEEPING, KEY_ORDER, MEASURE_STATE, snapshot

GRAPH = """
CREATE (a:Organization:Firm {orgnr: '910000004', name: 'HØNEFOSS TRELAST AS', employees: 12, active: true})
CREATE (b:Organization:University {orgnr: '910000012', name: 'Universitetet', employees: 3000})
CREATE (p:Person {person_key: 'k1', name: 'Kari', birth_year: 1970})
CREATE (m:Municipality {code: '3305', name: 'Ringerike'})
CREATE (i1:Industry {industry_id: 'SN2025:16.100', code: '16.100', version: 'SN2025'})
CREATE (i2:Industry {industry_id: 'SN2007:16.100', code: '16.100', version: 'SN2007'})
CREATE (p)-[:HOLDS_ROLE {role: 'LEDE', active: true}]->(a)
CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', active: true}]->(b)
CREATE (a)-[:LOCATED_IN {address_type: 'business'}]->(m)
CREATE (a)-[:IN_INDUSTRY {rank: 1}]->(i1)
CREATE (b)-[:IN_INDUSTRY {rank: 1}]->(i2)
CREATE (:LoadRun {load_id: 'l1', started: '2026-11-27T05:00:00Z'})
"""

# the same content created in another order (different internal ids)
GRAPH_REORDERED = """
CREATE (i2:Industry {industry_id: 'SN2007:16.100', code: '16.100', version: 'SN2007'})
CREATE (m:Municipality {name: 'Ringerike', code: '3305'})
CREATE (b:Organization:University {orgnr: '910000012', name: 'Universitetet', employees: 3000})
CREATE (i1:Industry {industry_id: 'SN2025:16.100', code: '16.100', version: 'SN2025'})
CREATE (p:Person {person_key: 'k1', name: 'Kari', birth_year: 1970})
CREATE (a:Firm:Organization {orgnr: '910000004', name: 'HØNEFOSS TRELAST AS', employees: 12, active: true})
CREATE (b)-[:IN_INDUSTRY {rank: 1}]->(i2)
CREATE (a)-[:IN_INDUSTRY {rank: 1}]->(i1)
CREATE (p)-[:HOLDS_ROLE {role: 'MEDL', active: true}]->(b)
CREATE (a)-[:LOCATED_IN {address_type: 'business'}]->(m)
CREATE (p)-[:HOLDS_ROLE {role: 'LEDE', active: true}]->(a)
CREATE (:LoadRun {load_id: 'l2', started: '2026-11-27T06:00:00Z'})
"""


def test_hash_counts_every_node_and_relationship_but_the_load_run(store):
    store.run(GRAPH)
    snap = snapshot(store)
    # GRAPH above: 6 nodes besides the LoadRun, 5 relationships
    assert snap.counts() == {"nodes": 6, "relationships": 5}
    assert snap.groups["N:Industry"][0] == 2 and snap.groups["R:HOLDS_ROLE"][0] == 2
    assert "LoadRun" in snap.excluded


def test_hash_is_stable_across_reads_and_creation_order(store, settings):
    from cypher import open_store
    from klynge.config import load_settings

    store.run(GRAPH)
    first = snapshot(store)
    assert snapshot(store) == first
    other = open_store(load_settings({"data_dir": settings.data_dir, "graph_name": settings.graph_name + "_b"},
                                     environ={}))
    try:
        other.run(GRAPH_REORDERED)
        second = snapshot(other)
    finally:
        other.wipe()
        other.close()
    assert second.digest == first.digest, first.diff(second)


def test_one_changed_property_changes_the_hash_and_diff_names_the_label(store):
    store.run(GRAPH)
    before = snapshot(store)
    store.run("MATCH (o:Organization {orgnr: '910000004'}) SET o.employees = 13")
    after = snapshot(store)
    assert after.digest != before.digest
    assert after.counts() == before.counts()
    assert before.diff(after) == ["N:Firm:Organization: same count 1, different content"]


def test_property_type_change_changes_the_hash(store):
    store.run(GRAPH)
    before = snapshot(store)
    store.run("MATCH (o:Organization {orgnr: '910000004'}) SET o.employees = '12'")
    assert snapshot(store).digest != before.digest


def test_relationship_property_and_endpoint_changes_change_the_hash(store):
    store.run(GRAPH)
    before = snapshot(store)
    store.run("MATCH (:Person)-[r:HOLDS_ROLE {role: 'LEDE'}]->() SET r.active = false")
    changed = snapshot(store)
    assert changed.digest != before.digest and before.diff(changed) == [
        "R:HOLDS_ROLE: same count 2, different content"]
    store.run("MATCH (:Person)-[r:HOLDS_ROLE {role: 'LEDE'}]->() SET r.active = true")
    assert snapshot(store) == before
    # the two Industry nodes share `code`; moving a tie from one to the other must be seen
    store.run("MATCH (a:Organization {orgnr: '910000004'})-[r:IN_INDUSTRY]->() DELETE r")
    store.run("MATCH (a:Organization {orgnr: '910000004'}), (i:Industry {industry_id: 'SN2007:16.100'}) "
              "CREATE (a)-[:IN_INDUSTRY {rank: 1}]->(i)")
    moved = snapshot(store)
    assert moved.counts() == before.counts() and moved.digest != before.digest


def test_added_label_or_removed_relationship_changes_the_hash(store):
    store.run(GRAPH)
    before = snapshot(store)
    store.run("MATCH (o:Organization {orgnr: '910000012'}) SET o:ResearchInstitute")
    assert snapshot(store).digest != before.digest
    store.run("MATCH (o:Organization {orgnr: '910000012'}) REMOVE o:ResearchInstitute")
    assert snapshot(store) == before
    store.run("MATCH (:Organization)-[r:LOCATED_IN]->() DELETE r")
    after = snapshot(store)
    assert after.relationships == 4 and after.digest != before.digest


def test_load_runs_are_ignored_and_job_bookkeeping_can_be_left_out(store):
    store.run(GRAPH)
    base = snapshot(store)
    store.run("CREATE (:LoadRun {load_id: 'another', started: 'now'})")
    assert snapshot(store) == base
    store.run("CREATE (:JobRun {run_id: 'r1', status: 'running'}), (:Lock {key: 'measures', owner: 'h:1'})")
    assert snapshot(store).digest != base.digest
    assert snapshot(store, exclude_labels=JOB_BOOKKEEPING).digest == base.digest
    store.run("CREATE (:Meta {key: 'measures', measures_run: 'r1'}), (:MeasureValue {key: 'r1:910000004'})")
    store.run("MATCH (a:Organization {orgnr: '910000004'}), (b:Organization {orgnr: '910000012'}) "
              "CREATE (a)-[:INTERLOCK {weight: 1, run_id: 'r1'}]->(b)")
    assert snapshot(store, exclude_labels=MEASURE_STATE, exclude_types=("INTERLOCK",)).digest == base.digest


def test_every_model_label_is_named_by_its_own_key_first():
    """An endpoint is named by the first key in KEY_ORDER it has; for each label that must be its own key."""
    from cypher.schema.model import NODES

    for n in NODES:
        first = next(k for k in KEY_ORDER if k in n.properties)
        assert first == n.key, f"{n.label} would be named by {first}, not its key {n.key}"
