"""The analyst console: read-only by the store, time-limited, row-capped, clear refusals."""

from __future__ import annotations

from pathlib import Path


import pytest

from cypher import dialect, open_store
from cypher.console import ConsoleResult, procedure_allowed, run_console
from klynge.config import load_settings
from klynge.errors import ConsoleError, QueryError, ReadOnlyViolation
from tests.conftest import BACKENDS

SEED = """
CREATE (a:Organization:Firm {orgnr: '910000001', name: 'Alfa Fisk AS', helix: 'Firm'}),
       (b:Organization:Firm {orgnr: '910000002', name: 'Beta Havbruk AS', helix: 'Firm'}),
       (u:Organization:University {orgnr: '970000001', name: 'Nordlandsuniversitetet', helix: 'University'}),
       (p:Person {person_key: 'p1', name: 'Kari Nordmann'}),
       (m:Municipality {code: '1804', name: 'Bodø'}),
       (p)-[:HOLDS_ROLE {role: 'LEDE', role_group: 'board', active: true}]->(a),
       (p)-[:HOLDS_ROLE {role: 'MEDL', role_group: 'board', active: true}]->(b),
       (a)-[:LOCATED_IN]->(m),
       (a)-[:INTERLOCK {weight: 1, run_id: 'r1'}]->(b)
"""

# (id, query, where it is stopped, portable to Neo4j 5)
#   "store":   the console sends it and the store refuses it as a write (FalkorDB GRAPH.RO_QUERY)
#   "console": the console refuses it before the store sees it (LOAD CSV, procedures, several statements)
#   "invalid": the store rejects it as not Cypher (look-alike characters); nothing runs
BATTERY = [
    ("create-node", "CREATE (:Organization {orgnr: '999999999'})", "store", True),
    ("create-rel", ("MATCH (a:Organization {orgnr: '910000001'}) MATCH (b:Organization {orgnr: '910000002'}) "
                   "CREATE (a)-[:MEMBER_OF]->(b)"), "store", True),
    ("create-return", "CREATE (n:Organization {orgnr: '1'}) RETURN n", "store", True),
    ("merge-node", "MERGE (:Organization {orgnr: '999999999'})", "store", True),
    ("merge-existing", "MERGE (o:Organization {orgnr: '910000001'}) RETURN o.name", "store", True),
    ("merge-on-match-set", "MERGE (o:Organization {orgnr: '910000001'}) ON MATCH SET o.name = 'x'", "store", True),
    ("set-property", "MATCH (o:Organization) SET o.name = 'hacked'", "store", True),
    ("set-label", "MATCH (o:Organization) SET o:Hacked", "store", True),
    ("set-map", "MATCH (o:Organization) SET o += {name: 'x'}", "store", True),
    ("remove-property", "MATCH (o:Organization) REMOVE o.name", "store", True),
    ("remove-label", "MATCH (o:Organization:Firm) REMOVE o:Firm", "store", True),
    ("delete-rel", "MATCH ()-[r:HOLDS_ROLE]->() DELETE r", "store", True),
    ("detach-delete", "MATCH (n) DETACH DELETE n", "store", True),
    ("delete-return", "MATCH (p:Person) DETACH DELETE p RETURN count(*) AS c", "store", True),
    ("foreach-create", "FOREACH (i IN [1, 2] | CREATE (:Organization {orgnr: toString(i)}))", "store", True),
    ("foreach-set", "MATCH (o:Organization) WITH collect(o) AS os FOREACH (x IN os | SET x.name = 'x')",
     "store", True),
    ("call-subquery-create", "CALL { CREATE (:Organization {orgnr: '1'}) } RETURN 1 AS one", "store", True),
    ("call-subquery-with-create", ("MATCH (o:Organization) CALL { WITH o CREATE (:Person {person_key: o.orgnr}) } "
                                  "RETURN count(*) AS c"), "store", True),
    ("with-then-create", "WITH 1 AS x CREATE (:Organization {orgnr: toString(x)})", "store", True),
    ("unwind-merge", "UNWIND [1] AS x MERGE (:Organization {orgnr: toString(x)})", "store", True),
    ("match-return-then-create", ("MATCH (o:Organization) WITH o LIMIT 1 CREATE (o)-[:FILED]->(:Accounts "
                                 "{accounts_id: 'a'}) RETURN o.orgnr"), "store", True),
    ("mixed-case-create", "cReAtE (:Organization {orgnr: '1'})", "store", True),
    ("mixed-case-detach", "mAtCh (n) DeTaCh DeLeTe n", "store", True),
    ("block-comment-create", "/* just a read */ CREATE (:Organization {orgnr: '1'})", "store", True),
    ("line-comment-create", "// MATCH (n) RETURN n\nCREATE (:Organization {orgnr: '1'})", "store", True),
    ("comment-inside-keyword-gap", "MATCH (n) /* RETURN n */ DETACH /* x */ DELETE n", "store", True),
    ("string-hides-nothing", "CREATE (:Organization {orgnr: 'RETURN 1 // MATCH'})", "store", True),
    ("leading-whitespace", "   \n\n\t  CREATE (:Organization {orgnr: '1'})", "store", True),
    ("create-index", "CREATE INDEX FOR (n:Organization) ON (n.founded)", "store", True),
    ("drop-index", "DROP INDEX ON :Organization(orgnr)", "store", False),
    ("fulltext-drop", "CALL db.idx.fulltext.drop('Organization')", "console", False),
    ("fulltext-create", "CALL db.idx.fulltext.createNodeIndex('Organization', 'name')", "console", False),
    ("dbms-procedures", "CALL dbms.procedures()", "console", True),
    ("dbms-upper-case", "CALL DBMS.PROCEDURES() YIELD name RETURN name", "console", True),
    ("dbms-backticks", "CALL `dbms`.`procedures`()", "console", True),
    ("dbms-comment-between", "CALL /* x */ dbms.procedures()", "console", True),
    ("dbms-after-allowed", "CALL db.labels() YIELD label CALL dbms.procedures() YIELD name RETURN label, name",
     "console", True),
    ("db-create-label", "CALL db.createLabel('Hacked')", "console", True),
    ("gds-write", "CALL gds.pageRank.write('g', {writeProperty: 'pr'})", "console", True),
    ("gds-mutate", "CALL gds.pageRank.mutate('g', {mutateProperty: 'pr'})", "console", True),
    ("gds-project", "CALL gds.graph.project('g', 'Organization', 'INTERLOCK')", "console", True),
    ("gds-drop", "CALL gds.graph.drop('g')", "console", True),
    ("apoc-create", "CALL apoc.create.node(['Hacked'], {})", "console", True),
    ("apoc-periodic", "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {})", "console", True),
    ("load-csv", "LOAD CSV FROM 'file:///etc/passwd' AS row RETURN row", "console", True),
    ("load-csv-headers", ("LOAD CSV WITH HEADERS FROM 'https://example.org/x.csv' AS row "
                         "MERGE (:Organization {orgnr: row.orgnr})"), "console", True),
    ("load-csv-mixed-case-comment", "lOaD /* x */ cSv FROM 'file:///etc/passwd' AS row RETURN row", "console", True),
    ("load-csv-fullwidth", "ＬＯＡＤ ＣＳＶ FROM 'file:///etc/passwd' AS row RETURN row", "console", True),
    ("two-statements", "MATCH (n) RETURN count(n) AS c; CREATE (:Organization {orgnr: '1'})", "console", True),
    ("two-statements-newline", "RETURN 1 AS x;\nMATCH (n) DETACH DELETE n", "console", True),
    ("statement-after-comment", "RETURN 1 AS x; // trailing\nCREATE (:Person {person_key: 'x'})", "console", True),
    ("homoglyph-cyrillic-create", "\u0421REATE (:Organization {orgnr: '1'})", "invalid", True),
    ("homoglyph-fullwidth-create", "\uff23REATE (:Organization {orgnr: '1'})", "invalid", True),
    ("zero-width-in-keyword", "CRE\u200bATE (:Organization {orgnr: '1'})", "invalid", True),
]
BATTERY_IDS = [c[0] for c in BATTERY]


INDEXES = {
    "falkordb": "CALL db.indexes() YIELD label, properties, types, entitytype "
                "RETURN label, properties, types, entitytype",
    "neo4j": "SHOW INDEXES YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties",
}


def dump(store) -> tuple:
    """Every node (labels, properties), relationship (ends, type, properties) and index of the graph."""
    nodes = sorted(repr((sorted(r["n"]["_labels"]), sorted((k, repr(v)) for k, v in r["n"].items())))
                   for r in store.read("MATCH (n) RETURN n"))
    rels = sorted(repr((sorted(r["a"].items()), r["t"], sorted(r["p"].items()), sorted(r["b"].items())))
                  for r in store.read("MATCH (a)-[r]->(b) RETURN properties(a) AS a, type(r) AS t, "
                                      "properties(r) AS p, properties(b) AS b"))
    indexes = sorted(repr(sorted(r.items())) for r in store.read(INDEXES[store.backend]))
    return tuple(nodes), tuple(rels), tuple(indexes)


@pytest.fixture(scope="module", params=BACKENDS)
def seeded(request: pytest.FixtureRequest):
    """One small seeded graph (schema applied) shared by the battery, and its dump before any attempt,
    on each store."""
    if request.param == "neo4j":
        settings = request.getfixturevalue("neo4j_settings")
    else:
        settings = load_settings({"data_dir": request.getfixturevalue("falkor_dir"),
                                  "graph_name": "console_battery"}, environ={})
    s = open_store(settings)
    s.wipe()
    s.init_schema()
    s.run(SEED)
    before = dump(s)
    assert len(before[0]) == 5 and len(before[1]) == 4  # the SEED text: 5 nodes, 4 relationships
    try:
        yield s, before
    finally:
        s.wipe()
        s.close()


def test_battery_has_at_least_forty_distinct_attempts():
    assert len(BATTERY) >= 40 and len(set(BATTERY_IDS)) == len(BATTERY)


@pytest.mark.parametrize("case_id,query,where,portable", BATTERY, ids=BATTERY_IDS)
def test_write_and_admin_attempts_are_refused_and_leave_the_graph_unchanged(seeded, case_id, query, where,
                                                                          portable):
    store, before = seeded
    with pytest.raises(ConsoleError) as info:
        run_console(store, query)
    assert info.value.query == query
    if not portable and store.backend == "neo4j" and where == "store":
        where = "invalid"  # FalkorDB syntax: not Cypher to Neo4j, so nothing runs
    expected_reason = {"store": "write", "invalid": "failed"}.get(where)
    if expected_reason:
        assert info.value.reason == expected_reason
    else:
        assert info.value.reason in ("load_csv", "procedure", "multiple_statements")
    assert dump(store) == before


@pytest.mark.parametrize("case_id,query,where,portable",
                         [c for c in BATTERY if c[2] == "store"], ids=[c[0] for c in BATTERY if c[2] == "store"])
def test_the_store_itself_refuses_the_writes_without_the_console(seeded, case_id, query, where, portable):
    """The wall is GRAPH.RO_QUERY, not the console's text checks: store.read alone refuses every write."""
    store, before = seeded
    refusal = ReadOnlyViolation if portable or store.backend == "falkordb" else QueryError  # not Cypher on Neo4j
    with pytest.raises(refusal):
        store.read(query)
    assert dump(store) == before


ADMIN_PROCEDURES = {
    "falkordb": ["CALL db.idx.fulltext.drop('Organization')",
                 "CALL db.idx.fulltext.createNodeIndex('Organization', 'name')"],
    "neo4j": ["CALL db.createLabel('Hacked')",
              "CALL db.createRelationshipType('HACKED')"],
}


@pytest.mark.parametrize("which", [0, 1], ids=["drop-or-label", "create-or-type"])
def test_the_store_itself_refuses_its_admin_procedures(seeded, which):
    """FalkorDB's fulltext DDL procedures, Neo4j's token-creating ones: store.read refuses them."""
    store, before = seeded
    with pytest.raises(ReadOnlyViolation):
        store.read(ADMIN_PROCEDURES[store.backend][which])
    assert dump(store) == before


@pytest.mark.neo4j
@pytest.mark.parametrize("case_id,query,where,portable",
                         [c for c in BATTERY if c[2] == "store" and c[3]],
                         ids=[c[0] for c in BATTERY if c[2] == "store" and c[3]])
def test_neo4j_classifies_the_writes_as_not_read_only(neo4j_settings, case_id, query, where, portable):
    store = open_store(neo4j_settings)
    try:
        assert store.query_type(query) != "r"
    finally:
        store.close()


def test_refusals_name_what_was_refused(seeded):
    store, _ = seeded
    with pytest.raises(ConsoleError, match="dbms.procedures"):
        run_console(store, "CALL dbms.procedures()")
    with pytest.raises(ConsoleError, match="gds.pageRank.write"):
        run_console(store, "CALL gds.pageRank.write('g', {})")
    with pytest.raises(ConsoleError, match="LOAD CSV"):
        run_console(store, "LOAD CSV FROM 'file:///x' AS r RETURN r")
    with pytest.raises(ConsoleError, match="one statement at a time"):
        run_console(store, "RETURN 1 AS x; RETURN 2 AS y")
    with pytest.raises(ConsoleError, match="only reads"):
        run_console(store, "CREATE (:Organization {orgnr: '1'})")


def test_a_read_returns_columns_and_rows(seeded):
    store, _ = seeded
    res = run_console(store, "MATCH (o:Organization) RETURN o.orgnr AS orgnr, o.name AS name ORDER BY orgnr")
    assert isinstance(res, ConsoleResult)
    assert res.columns == ("orgnr", "name")
    # the three organisations of SEED, by orgnr
    assert res.rows == (("910000001", "Alfa Fisk AS"), ("910000002", "Beta Havbruk AS"),
                        ("970000001", "Nordlandsuniversitetet"))
    assert res.truncated is False
    assert res.elapsed_ms >= 0


def test_defaults_come_from_the_console_settings(seeded):
    """klynge/config.py: console_timeout_s = 10.0 (KLYNGE_CONSOLE_TIMEOUT_S), console_max_rows = 1000."""
    store, _ = seeded
    res = run_console(store, "RETURN 1 AS one")
    assert (res.timeout_s, res.row_cap, res.query) == (10.0, 1000, "RETURN 1 AS one")


def test_comments_strings_and_a_trailing_semicolon_do_not_block_a_read(seeded):
    store, _ = seeded
    q = "// who sits on boards; CALL dbms.x()\nMATCH (p:Person)-[r:HOLDS_ROLE]->(o:Organization) " \
        "WHERE o.name <> 'LOAD CSV; CALL apoc.x()' /* ; */ RETURN count(r) AS roles;\n"
    res = run_console(store, q)
    assert res.rows == ((2,),)  # Kari Nordmann holds two board roles in SEED
    assert res.query == q


def test_allowed_procedures_run(seeded):
    store, _ = seeded
    res = run_console(store, "CALL db.labels() YIELD label RETURN label ORDER BY label")
    assert ("Organization",) in res.rows and ("Person",) in res.rows
    hits = run_console(store, f"CALL {'db.index' if store.backend == 'neo4j' else 'db.idx'}.fulltext.queryNodes("
                              f"'{dialect.fulltext_index(store.backend, 'Organization')}', 'Alfa') YIELD node "
                              "RETURN node.orgnr AS orgnr")
    assert hits.rows == (("910000001",),)


@pytest.mark.parametrize("name,allowed", [
    ("db.labels", True), ("DB.LABELS", True), ("db.relationshipTypes", True), ("db.propertyKeys", True),
    ("db.indexes", True), ("db.index.fulltext.queryNodes", True), ("db.idx.fulltext.queryNodes", True),
    ("gds.pageRank.stream", True), ("gds.betweenness.stats", True), ("gds.graph.list", True),
    ("gds.pageRank.write", False), ("gds.pageRank.mutate", False), ("gds.pageRank.write.stream", False),
    ("gds.stream", False), ("dbms.procedures", False), ("apoc.create.node", False),
    ("db.idx.fulltext.drop", False), ("db.createLabel", False), ("gds.graph.project", False),
])
def test_procedure_allow_list(name, allowed):
    assert procedure_allowed(name) is allowed


def test_row_cap_truncates_exactly_above_max_rows(seeded):
    store, _ = seeded
    q = "UNWIND range(1, 6) AS i RETURN i"
    capped = run_console(store, q, max_rows=5)
    assert capped.truncated is True and capped.rows == tuple((i,) for i in range(1, 6)) and capped.row_cap == 5
    exact = run_console(store, q, max_rows=6)
    assert exact.truncated is False and len(exact.rows) == 6


def test_a_slow_query_is_stopped_with_the_setting_named(seeded):
    """100 million rows: many seconds on either store without a limit (Neo4j went through 9 million within
    0.2 s on a fast run), so 0.2 s stops it."""
    store, _ = seeded
    q = ("UNWIND range(1, 10000) AS a UNWIND range(1, 10000) AS b WITH a, b WHERE (a * b) % 7 = 0 "
         "RETURN count(a) AS c")
    with pytest.raises(ConsoleError, match="KLYNGE_CONSOLE_TIMEOUT_S") as info:
        run_console(store, q, timeout_s=0.2)
    assert info.value.query == q
    assert info.value.reason == "timeout"
    assert "0.2 s" in str(info.value)


def test_params_are_passed(seeded):
    store, _ = seeded
    res = run_console(store, "MATCH (o:Organization {orgnr: $orgnr}) RETURN o.name AS name",
                      {"orgnr": "910000002"})
    assert res.rows == (("Beta Havbruk AS",),)


def test_a_syntax_error_becomes_a_console_error_keeping_the_query(seeded):
    store, _ = seeded
    with pytest.raises(ConsoleError, match="The query failed") as info:
        run_console(store, "MATCH (n RETURN n")
    assert info.value.query == "MATCH (n RETURN n"
    assert isinstance(info.value.__cause__, QueryError)


@pytest.mark.parametrize("query", ["", "   \n", "// only a comment"], ids=["empty", "blank", "comment"])
def test_an_empty_query_is_refused(seeded, query):
    store, _ = seeded
    with pytest.raises(ConsoleError, match="empty"):
        run_console(store, query)


def test_bad_limits_are_refused_naming_the_setting(seeded):
    store, _ = seeded
    with pytest.raises(ConsoleError, match="KLYNGE_CONSOLE_MAX_ROWS"):
        run_console(store, "RETURN 1 AS x", max_rows=0)
    with pytest.raises(ConsoleError, match="KLYNGE_CONSOLE_TIMEOUT_S"):
        run_console(store, "RETURN 1 AS x", timeout_s=0)


# ---------------------------------------------------------------- bounds in the store (issue 16)


def test_console_queries_run_on_a_read_only_replica_that_sees_every_acknowledged_write(falkordb_store):
    """Finding 1: the console's queries go to a process of their own (the replica), not to the server the
    app's pages use; the replica refuses writes by itself, and a write the app made just before is seen."""
    import redis

    falkordb_store.run("CREATE (:Organization {orgnr: '910000009', name: 'Fersk AS'})")
    res = run_console(falkordb_store, "MATCH (o:Organization {orgnr: '910000009'}) RETURN o.name AS name")
    assert res.rows == (("Fersk AS",),)
    console = falkordb_store._console
    server = falkordb_store.server
    assert console.replica and console.info.pid != server.pid and console.info.port != server.port
    raw = redis.Redis(host="127.0.0.1", port=console.info.port, password=console.info.password)
    try:
        with pytest.raises(redis.exceptions.ReadOnlyError):
            raw.execute_command("GRAPH.QUERY", falkordb_store.settings.graph_name, "CREATE (:Organization {orgnr: '1'})")
    finally:
        raw.close()
    # lowest CPU priority: the app's own queries get the CPU first
    assert int(Path(f"/proc/{console.info.pid}/stat").read_text().rsplit(")", 1)[1].split()[16]) == 19


def test_many_rows_are_cut_in_the_store_at_the_row_cap(store):
    """Finding 2: three million rows come back as the cap's rows, marked truncated (the store stops at its
    RESULTSET_SIZE; nothing like three million rows reaches the web process)."""
    res = run_console(store, "UNWIND range(1, 3000000) AS x RETURN x", max_rows=1000)
    assert len(res.rows) == 1000 and res.truncated and res.cut == "rows"
    assert res.rows[-1] == (1000,)


def test_a_result_larger_than_the_byte_cap_is_cut_or_refused(store):
    many = run_console(store, "UNWIND range(1, 500) AS x RETURN 'row ' + toString(x) AS r", max_bytes=2000)
    assert many.truncated and many.cut == "bytes" and 50 < len(many.rows) < 500
    with pytest.raises(ConsoleError, match="KLYNGE_CONSOLE_MAX_BYTES") as info:
        run_console(store, "RETURN reduce(s = 'x', i IN range(1, 14) | s + s) AS s", max_bytes=4000)
    assert info.value.reason == "too_large"


def test_one_expression_the_store_cannot_interrupt_ends_the_console_call_near_its_limit(store):
    """Finding 1: FalkorDB checks its limit between rows only, so this expression (the probe's) runs on for
    half a minute; the console stops waiting at the limit plus CONSOLE_GRACE_S with the timeout error (not
    asserted as a duration: the drill console_isolation measures it). Neo4j stops it at the limit."""
    q = "RETURN reduce(a = 0, i IN range(1, 17000) | a + reduce(b = 0, j IN range(1, 17000) | b + j)) AS x"
    with pytest.raises(ConsoleError) as info:
        run_console(store, q, timeout_s=0.1)
    assert info.value.reason == "timeout"


def test_a_query_that_needs_more_memory_than_the_store_allows_is_stopped_naming_the_cap(store):
    """Finding 2, memory: collecting 40 million integers needs far more than one console query may take —
    FalkorDB's QUERY_MEM_CAPACITY on the console's replica (KLYNGE_CONSOLE_MEMORY_MB, 256 MB here), Neo4j's
    db.memory.transaction.max (a quarter of the local server's heap) — so the store stops it with an error
    naming the cap, well before the time limit, and answers the next query."""
    with pytest.raises(ConsoleError) as info:
        run_console(store, "UNWIND range(1, 40000000) AS x WITH collect(x) AS xs RETURN size(xs) AS n",
                    timeout_s=120)
    assert info.value.reason == "failed"
    setting = "db.memory.transaction.max" if store.backend == "neo4j" else "KLYNGE_CONSOLE_MEMORY_MB"
    assert "more memory" in str(info.value) and setting in str(info.value)
    assert run_console(store, "RETURN 1 AS one").rows == ((1,),)


def test_a_reply_that_comes_after_the_deadline_never_answers_the_next_query(falkordb_store):
    """Finding 9's mechanism: a read given up at its deadline leaves the late reply on its connection; were
    that connection reused, the next query would read the old reply (a wrong answer, or another query's
    error). The connection is closed instead, so each later query gets its own answer."""
    slow = "RETURN reduce(a = 0, i IN range(1, 5000) | a + reduce(b = 0, j IN range(1, 5000) | b + j)) AS x"
    for k in range(3):
        with pytest.raises(ConsoleError):
            run_console(falkordb_store, slow, timeout_s=0.05)
        res = run_console(falkordb_store, "RETURN $k AS k, $s AS s", {"k": k, "s": f"answer {k}"})
        assert res.rows == ((k, f"answer {k}"),)
        pool = falkordb_store._console.pool
        assert all(c._sock is None or not c.can_read() for c in list(pool._available_connections))


@pytest.mark.parametrize("params,fragment", [
    ({"a": {"a`b": 1}}, "map key 'a`b'"),
    ({"a": {"": 1}}, "map key ''"),
    ({"a": "x\x00y"}, "NUL"),
    ({"a": 2 ** 70}, "64-bit"),
    ({"bø": 1}, "parameter name 'bø'"),
], ids=["backtick-key", "empty-key", "nul", "big-int", "non-ascii-name"])
def test_bad_parameter_values_are_refused_before_the_store_naming_them(store, params, fragment):
    """Finding 5 (and what made the store drop every parameter of a query: "Missing parameters")."""
    with pytest.raises(ConsoleError, match=fragment) as info:
        run_console(store, "RETURN 1 AS one", params)
    assert info.value.reason == "parameter"


def test_deeply_nested_parameter_values_are_refused(store):
    deep = 1
    for _ in range(200):
        deep = [deep]
    with pytest.raises(ConsoleError, match="nested deeper") as info:
        run_console(store, "RETURN size($a) AS n", {"a": deep})
    assert info.value.reason == "parameter"


def test_the_console_limits_hold_on_every_store(store):
    """Timeout, row cap, byte cap, read-only and bad parameters, the same on FalkorDB and Neo4j."""
    any_store = store
    any_store.run("UNWIND range(1, 30) AS i CREATE (:Organization {orgnr: toString(910000100 + i)})")
    res = run_console(any_store, "MATCH (o:Organization) RETURN o.orgnr AS o ORDER BY o", max_rows=10)
    assert len(res.rows) == 10 and res.truncated and res.cut == "rows"
    res = run_console(any_store, "MATCH (o:Organization) RETURN o.orgnr AS o ORDER BY o", max_bytes=200)
    assert res.truncated and res.cut == "bytes" and 0 < len(res.rows) < 30
    with pytest.raises(ConsoleError) as info:
        run_console(any_store, "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b WITH a, b "
                               "WHERE (a * b) % 7 = 0 RETURN count(a) AS c", timeout_s=0.1)
    assert info.value.reason == "timeout"
    with pytest.raises(ConsoleError) as info:
        run_console(any_store, "CREATE (:Organization {orgnr: '1'})")
    assert info.value.reason == "write"
    with pytest.raises(ConsoleError) as info:
        run_console(any_store, "RETURN $a AS a", {"a": 2 ** 70})
    assert info.value.reason == "parameter"
