"""Every query file and every registered statement passes Neo4j's own linter (Cypher 5, with GDS signatures)."""

from __future__ import annotations

from cypher import lint, registry


def test_every_statement_klynge_can_send_to_neo4j_lints_clean():
    statements = lint.all_statements()
    registry.load_all()
    names = {name for name, _, _ in registry.all_queries()}
    assert len(statements) >= 20 and "cypher.store.count_nodes" in names
    results = lint.lint_queries(statements, extra_property_keys=lint.registered_property_keys())
    failures = {r.id: [f"{d.line}:{d.column} {d.message}" for d in r.errors] for r in results if r.errors}
    assert failures == {}


def test_statements_sent_by_the_product_are_recorded_but_test_and_console_text_is_not(store):
    from cypher import store as store_mod

    store_mod.counts_from(store)  # sent from cypher/ on behalf of this test: the first outside caller is a test
    with registry.user_text():
        registry.record("MATCH (n) RETURN n // console text")
    assert "MATCH (n) RETURN n // console text" not in registry.recorded()
