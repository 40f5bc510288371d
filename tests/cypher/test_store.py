"""Both stores through the GraphStore API: plain values, read-only, batches, schema."""

from __future__ import annotations

import re

import pytest

from klynge.errors import QueryError, ReadOnlyViolation


def test_run_returns_plain_values(any_store):
    store = any_store
    store.run("CREATE (:Organization {orgnr: '923609016', name: 'EQUINOR ASA', employees: 21000, active: true})")
    rows = store.read(
        "MATCH (o:Organization {orgnr: $orgnr}) RETURN o, o.name AS name, {a: 1, b: [1, 2.5]} AS m",
        {"orgnr": "923609016"},
    )
    assert rows == [{
        "o": {"_kind": "node", "_labels": ["Organization"], "orgnr": "923609016", "name": "EQUINOR ASA",
              "employees": 21000, "active": True},
        "name": "EQUINOR ASA",
        "m": {"a": 1, "b": [1, 2.5]},
    }]
    assert type(rows[0]["m"]) is dict


def test_read_refuses_writes_and_graph_is_unchanged(any_store):
    store = any_store
    with pytest.raises(ReadOnlyViolation):
        store.read("CREATE (:Organization {orgnr: '1'})")
    assert store.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]


def test_parameters_survive_quotes_unicode_and_newlines(any_store):
    store = any_store
    nasty = "Ø'\"\\ \n <script>alert(1)</script> `x` $y {z}"
    store.run("CREATE (:Organization {orgnr: $o, name: $n})", {"o": "1", "n": nasty})
    assert store.read("MATCH (o:Organization) RETURN o.name AS n") == [{"n": nasty}]


def test_write_batches_counts_rows_and_merges_idempotently(any_store):
    store = any_store
    rows = [{"orgnr": f"{i:09d}", "name": f"Firm {i}"} for i in range(2500)]
    q = "UNWIND $rows AS row MERGE (o:Organization {orgnr: row.orgnr}) SET o.name = row.name"
    assert store.write_batches(q, rows, batch_size=1000) == 2500
    store.write_batches(q, rows, batch_size=700)
    assert store.read("MATCH (o:Organization) RETURN count(o) AS c") == [{"c": 2500}]


def test_unique_key_is_enforced(any_store):
    store = any_store
    store.run("CREATE (:Organization {orgnr: '1'})")
    with pytest.raises(QueryError, match="unique"):
        store.run("CREATE (:Organization {orgnr: '1'})")


def test_init_schema_is_idempotent(store):
    assert store.init_schema() == []


def test_health_and_counts(store):
    store.run("CREATE (:Organization {orgnr: '1'})-[:FILED]->(:Accounts {accounts_id: '1:2024:SELSKAP'})")
    h = store.health()
    assert h["backend"] == store.backend and h["nodes"] == 2 and h["relationships"] == 1
    assert re.search(r"\b\d+\.\d+\.\d+\b", h["version"])
    c = store.counts()
    assert c["labels"]["Organization"] == 1 and c["relationships"]["FILED"] == 1


def test_dates_and_nan_parameters_are_made_portable(any_store):
    store = any_store
    import datetime as dt

    store.run("CREATE (:Accounts {accounts_id: $id, period_end: $d, ebitda: $e})",
              {"id": "x", "d": dt.date(2024, 12, 31), "e": float("nan")})
    assert store.read("MATCH (a:Accounts) RETURN a.period_end AS d, a.ebitda AS e") == [
        {"d": "2024-12-31", "e": None}]


def test_reading_a_graph_that_was_never_written_sees_an_empty_graph(settings):
    from cypher import open_store

    fresh = open_store(settings)
    try:
        assert fresh.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]
        assert fresh.health()["nodes"] == 0
    finally:
        fresh.wipe()
        fresh.close()


def test_batch_parameters_round_trip_through_the_falkordb_header(store):
    """Nested maps and lists, unicode, quotes, backslashes, NaN and booleans arrive as sent."""
    rows = [{"k": f"{i}", "props": {"name": f'Å "{i}" \\ {{x}}', "n": i, "f": 0.1 * i, "ok": i % 2 == 0,
                                    "none": None, "tags": ["a", "b"], "nan": float("nan")}} for i in range(50)]
    store.write_batches("UNWIND $rows AS row CREATE (o:Organization {orgnr: row.k}) SET o += row.props",
                        rows, batch_size=20)
    got = store.read("MATCH (o:Organization {orgnr: '7'}) RETURN o.name AS name, o.n AS n, o.f AS f, "
                     "o.ok AS ok, o.tags AS tags, o.nan AS nan")
    # FalkorDB keeps about 15 significant digits of a double
    assert got == [{"name": 'Å "7" \\ {x}', "n": 7, "f": pytest.approx(0.1 * 7, rel=1e-14), "ok": False,
                    "tags": ["a", "b"], "nan": None}]


def test_map_keys_that_cannot_be_sent_are_refused_with_the_key_named():
    from cypher.store import params_header

    with pytest.raises(ValueError, match="map key 'a`b'"):
        params_header({"rows": [{"a`b": 1}]})


def test_graph_key_names_the_graph_not_the_store_object(settings, store):
    """Web caches are keyed by ``graph_key``: equal for every store on one graph, different for another
    graph, so a cache entry can never be read by a later store that happens to reuse an object id."""
    from dataclasses import replace

    from cypher import open_store

    if store.backend == "neo4j":
        # the same server through a routing URI is another address (a cluster would route it elsewhere)
        other_settings = replace(settings, neo4j_uri=settings.neo4j_uri.replace("bolt://", "neo4j://"))
        expected = ("neo4j", settings.neo4j_uri, settings.neo4j_database)
    else:
        other_settings = replace(settings, graph_name=settings.graph_name + "_other")
        expected = ("falkordb", str(settings.data_dir.resolve()), settings.graph_name)
    again = open_store(settings)
    other = open_store(other_settings)
    try:
        assert again is not store and again.graph_key == store.graph_key == expected
        assert other.graph_key != store.graph_key
    finally:
        again.close()
        other.close()


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, [1, 2**70], {"n": 2**64}, [[1, 2**63]]],
                         ids=["2^63", "below-min", "in-list", "in-map", "in-batch-row"])
def test_integers_beyond_64_bits_are_refused_naming_the_value(any_store, value):
    """Neo4j cannot take them and FalkorDB would silently clamp them to 2^63 - 1: both refuse the same way."""
    with pytest.raises(ValueError, match=r"outside the 64-bit range"):
        any_store.read("RETURN $v AS v", {"v": value})


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), [1, 2**63 - 1], [[9_000_000_000_000_000_000, "1" * 25]]],
                         ids=["max", "min", "in-list", "long-digit-int-and-text"])
def test_the_64_bit_extremes_and_long_digit_runs_round_trip(any_store, value):
    assert any_store.read("RETURN $v AS v", {"v": value}) == [{"v": value}]


@pytest.mark.neo4j
def test_a_routing_uri_reaches_the_same_neo4j_and_reads_go_to_read_transactions(neo4j_settings):
    """``neo4j://`` (a cluster or Aura) works unchanged: writes through the routing driver, reads in
    READ transactions that refuse writes by themselves."""
    from dataclasses import replace

    from cypher import open_store

    routed = open_store(replace(neo4j_settings, neo4j_uri=neo4j_settings.neo4j_uri.replace("bolt://", "neo4j://")))
    try:
        routed.wipe()
        routed.run("CREATE (:Organization {orgnr: '910000001', name: 'Routed AS'})")
        assert routed.read("MATCH (o:Organization) RETURN o.name AS n") == [{"n": "Routed AS"}]
        with pytest.raises(ReadOnlyViolation):
            routed._tx("CREATE (:Organization {orgnr: '2'})", {}, 5.0, read=True)  # the READ transaction itself
    finally:
        routed.wipe()
        routed.close()


@pytest.mark.neo4j
def test_a_database_that_does_not_exist_is_named_with_the_setting(neo4j_settings):
    from dataclasses import replace

    from cypher import open_store
    from klynge.errors import StoreUnavailable

    with pytest.raises(StoreUnavailable, match="database nosuchdb.*NEO4J_DATABASE"):
        open_store(replace(neo4j_settings, neo4j_database="nosuchdb"))


@pytest.mark.neo4j
def test_neo4j_classifies_every_text_but_klynges_own_statements(neo4j_settings, monkeypatch):
    """The console's text (and any other) is EXPLAINed before its READ transaction; Klynge's registered
    statements and query files go straight to the READ transaction, which refuses writes by itself; a
    console text identical to a registered statement is still the user's and is classified."""
    from cypher import library, open_store
    from cypher.registry import user_text
    from cypher.store import COUNT_NODES, Neo4jStore

    explained: list[str] = []
    real = Neo4jStore.query_type
    monkeypatch.setattr(Neo4jStore, "query_type", lambda self, q, p=None: explained.append(q) or real(self, q, p))
    store = open_store(neo4j_settings)
    try:
        store.read(COUNT_NODES)
        library.run(store, "network/ego_network", {"orgnr": "923609016"})
        assert explained == []
        store.read("MATCH (n) RETURN count(n) AS total")
        with user_text():
            store.read(COUNT_NODES)
        assert explained == ["MATCH (n) RETURN count(n) AS total", COUNT_NODES]
    finally:
        store.close()
