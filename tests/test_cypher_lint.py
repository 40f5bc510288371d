"""Neo4j's own Cypher checker (offline) fails CI on broken queries and passes correct ones.

Expected messages and positions are the ones ``@neo4j-cypher/language-support``
2.0.0-next.38 (pinned in tools/cypher-lint/package-lock.json) reports; lines and
columns are 1-based. All checker cases run in one batch (one Node process) to keep
the suite fast.
"""

from __future__ import annotations

import shutil

import pytest

from cypher import lint
from klynge.errors import ConfigError, KlyngeError

needs_node = pytest.mark.skipif(
    shutil.which("node") is None,
    reason="the Neo4j Cypher checker needs Node.js (`node` is not on PATH); `make setup` expects Node 20+",
)

CASES: dict[str, tuple[str, str]] = {
    "portable_ok": ("portable", "MATCH (o:Organization {orgnr: $orgnr})\n"
                                "OPTIONAL MATCH (p:Person)-[r:HOLDS_ROLE]->(o)\n"
                                "WITH o, count(p) AS people\n"
                                "RETURN o.name AS name, o.helix AS helix, people"),
    "syntax_error": ("portable", "MATCH (o:Organization {orgnr: $orgnr})\nRETRUN o.name AS name"),
    "undefined_variable": ("portable", "MATCH (o:Organization {orgnr: $orgnr})\nRETURN p.name AS name"),
    "removed_exists": ("portable", "MATCH (o:Organization) WHERE exists(o.name) RETURN o.orgnr AS orgnr"),
    "gds_misspelt": ("neo4j", "CALL gds.eigenvector.wrte('g', {})"),
    "gds_ok": ("neo4j", "CALL gds.eigenvector.write('g', {writeProperty:'x'}) "
                        "YIELD nodePropertiesWritten RETURN nodePropertiesWritten"),
    "gds_unknown_yield": ("neo4j", "CALL gds.pageRank.stream('g') YIELD nodeId, scor RETURN nodeId, scor"),
    "neo4j_fulltext": ("neo4j", "CALL db.index.fulltext.queryNodes($index, $q) YIELD node, score "
                                "RETURN node, score ORDER BY score DESC LIMIT $limit"),
    "falkordb_fulltext_as_neo4j": ("neo4j", "CALL db.idx.fulltext.queryNodes('Organization', $q) "
                                            "YIELD node, score RETURN node, score"),
    "falkordb_fulltext": ("falkordb", "CALL db.idx.fulltext.queryNodes('Organization', $q) "
                                      "YIELD node, score RETURN node, score"),
    "falkordb_algo_as_neo4j": ("portable", "CALL algo.pageRank('Organization', 'INTERLOCK') "
                                           "YIELD node, score RETURN node.orgnr AS orgnr, score"),
    "apoc_function": ("neo4j", "RETURN apoc.text.join(['a', 'b'], ',') AS joined"),
    "unknown_label": ("portable", "MATCH (f:Company) RETURN f.orgnr AS orgnr"),
    "unknown_property": ("portable", "MATCH (o:Organization) WHERE o.pagerank_score > 0.1 RETURN o.orgnr AS orgnr"),
    "ddl": ("neo4j", "CREATE CONSTRAINT organization_orgnr_unique IF NOT EXISTS "
                     "FOR (n:Organization) REQUIRE n.orgnr IS UNIQUE"),
}


@pytest.fixture(scope="module")
def batch() -> list[lint.LintResult]:
    return lint.lint_queries([(qid, text, dialect) for qid, (dialect, text) in CASES.items()])


@pytest.fixture(scope="module")
def results(batch) -> dict[str, lint.LintResult]:
    return {r.id: r for r in batch}


def messages(result: lint.LintResult) -> list[str]:
    return [d.message for d in result.errors]


@needs_node
def test_results_come_back_in_input_order(batch):
    assert [r.id for r in batch] == list(CASES)


@needs_node
def test_correct_portable_query_passes_and_driver_parameters_are_not_errors(results):
    r = results["portable_ok"]
    assert r.errors == () and r.warnings == ()


@needs_node
def test_syntax_error_fails_with_line_and_column(results):
    """Neo4j: "Invalid input 'RETRUN': expected ..." at the misspelt keyword, line 2 column 1."""
    r = results["syntax_error"]
    assert not r.ok
    first = r.errors[0]
    assert first.message.startswith("Invalid input 'RETRUN'")
    assert (first.line, first.column) == (2, 1)
    assert first.severity == "Error"


@needs_node
def test_undefined_variable_is_a_semantic_error(results):
    """`p` is used on line 2 column 8 without being bound."""
    r = results["undefined_variable"]
    assert [(d.message, d.line, d.column) for d in r.errors] == [("Variable `p` not defined", 2, 8)]


@needs_node
def test_removed_exists_property_syntax_is_an_error(results):
    assert any("exists(variable.property)" in m for m in messages(results["removed_exists"]))


@needs_node
def test_misspelt_gds_procedure_fails_and_the_real_one_passes(results):
    bad = results["gds_misspelt"]
    assert [(d.line, d.column) for d in bad.errors] == [(1, 6)]
    assert messages(bad)[0].startswith("Procedure gds.eigenvector.wrte is not present in the database")
    assert results["gds_ok"].errors == ()


@needs_node
def test_unknown_yield_column_of_a_gds_procedure_fails(results):
    assert messages(results["gds_unknown_yield"]) == ["Unknown procedure output: `scor`"]


@needs_node
def test_neo4j_fulltext_procedure_and_schema_ddl_pass(results):
    assert results["neo4j_fulltext"].ok
    assert results["ddl"].ok


@needs_node
def test_falkordb_only_procedures_are_unknown_to_neo4j(results):
    """FalkorDB's db.idx.fulltext.* and algo.* do not exist on Neo4j, so any statement using them
    outside the ``falkordb`` dialect fails; that is why they live in cypher.dialect as "falkordb"."""
    assert messages(results["falkordb_fulltext_as_neo4j"])[0].startswith(
        "Procedure db.idx.fulltext.queryNodes is not present in the database")
    assert messages(results["falkordb_algo_as_neo4j"])[0].startswith(
        "Procedure algo.pageRank is not present in the database")


@needs_node
def test_falkordb_dialect_statements_are_skipped_not_linted(results):
    r = results["falkordb_fulltext"]
    assert r.skipped and r.ok and r.warnings == ()


@needs_node
def test_apoc_is_unknown_because_klynge_neo4j_has_only_gds(results):
    """docker-compose.yml installs the graph-data-science plugin only."""
    assert messages(results["apoc_function"])[0].startswith("Function apoc.text.join is not present")


@needs_node
def test_unknown_label_is_a_warning_not_an_error(results):
    r = results["unknown_label"]
    assert r.ok
    assert [(d.line, d.column, d.severity) for d in r.warnings] == [(1, 10, "Warning")]
    assert r.warnings[0].message.startswith("Label Company is not present")


@needs_node
def test_unknown_property_key_is_a_warning_and_extra_keys_silence_it(results):
    r = results["unknown_property"]
    assert r.ok and [d.message.split(" ")[0] for d in r.warnings] == ["pagerank_score"]
    q = [("q", CASES["unknown_property"][1])]
    assert lint.lint_queries(q, extra_property_keys=["pagerank_score"])[0].warnings == ()


@needs_node
def test_bad_input_raises_a_klynge_error_naming_the_statement():
    with pytest.raises(KlyngeError, match=r'"q1".*dialect "mysql"'):
        lint.lint_queries([("q1", "RETURN 1 AS one", "mysql")])


def test_missing_node_says_run_make_setup(monkeypatch):
    monkeypatch.setattr(lint.shutil, "which", lambda name: None)
    with pytest.raises(ConfigError, match="make setup"):
        lint.lint_queries([("q", "RETURN 1 AS one")])


def test_missing_node_modules_says_run_make_setup(monkeypatch, tmp_path):
    monkeypatch.setattr(lint.shutil, "which", lambda name: "/usr/bin/node")
    monkeypatch.setattr(lint, "PACKAGE_MARKER", tmp_path / "node_modules" / "x" / "package.json")
    with pytest.raises(ConfigError, match=r"node_modules.*run `make setup`"):
        lint.lint_queries([("q", "RETURN 1 AS one")])


def test_file_dialect_is_read_from_the_front_matter():
    assert lint.file_dialect("// name: a\n// dialect: falkordb\nMATCH (n) RETURN n") == "falkordb"
    assert lint.file_dialect("// name: a\nMATCH (n) RETURN n\n// dialect: neo4j") == "portable"


def test_cli_refuses_a_missing_file(tmp_path, capsys):
    assert lint.main([str(tmp_path / "nope.cypher")]) == 2
    assert "nope.cypher: no such file" in capsys.readouterr().err


@needs_node
def test_cli_lints_query_files_and_registered_queries_reporting_id_line_column(tmp_path, monkeypatch, capsys):
    """One run over a stand-in query library and registry: errors name the file (or registered
    name), line and column; FalkorDB-dialect files and registrations are skipped; exit status 1."""
    from cypher import registry

    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "ok.cypher").write_text(
        "// name: net/ok\n// mode: read\nMATCH (o:Organization {orgnr: $orgnr})\nRETURN o.name AS name\n")
    (tmp_path / "net" / "bad.cypher").write_text(
        "// name: net/bad\n// mode: read\nMATCH (o:Organization {orgnr: $orgnr})\nRETURN x.name AS name\n")
    (tmp_path / "net" / "falkor.cypher").write_text(
        "// name: net/falkor\n// dialect: falkordb\n"
        "CALL algo.pageRank('Organization', 'INTERLOCK') YIELD node RETURN node\n")
    monkeypatch.setattr(lint, "QUERY_DIR", tmp_path)
    monkeypatch.setattr(registry, "load_all", lambda: None)
    monkeypatch.setattr(registry, "all_queries", lambda: [
        ("jobs.rank", "CALL gds.pageRank.wrte('g', {writeProperty: 'pr'})", "neo4j"),
        ("search.ft", "CALL db.idx.fulltext.queryNodes('Organization', $q) YIELD node RETURN node", "falkordb"),
        ("web.count", "MATCH (o:Organization) RETURN count(o) AS n", "portable"),
    ])
    assert lint.main([]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'net' / 'bad.cypher'}:4:8: error: Variable `x` not defined" in out
    assert "jobs.rank@neo4j:1:6: error: Procedure gds.pageRank.wrte is not present" in out
    assert "ok.cypher" not in out and "web.count" not in out
    assert "4 statements checked, 2 FalkorDB-only skipped; 2 errors in 2 statements" in out
