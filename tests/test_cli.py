"""The `klynge` command line: help everywhere, exit codes, db and query commands on the embedded store."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from klynge.cli import main


@pytest.fixture
def cli(settings, store, monkeypatch):
    monkeypatch.setenv("KLYNGE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KLYNGE_GRAPH", settings.graph_name)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, cmd in group.commands.items():
        yield prefix + (name,)
        if isinstance(cmd, click.Group):
            yield from _all_commands(cmd, prefix + (name,))


@pytest.mark.parametrize("path", list(_all_commands(main)), ids=lambda p: " ".join(p))
def test_every_command_has_help(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_unknown_command_is_a_usage_error_exit_2():
    assert CliRunner().invoke(main, ["frobnicate"]).exit_code == 2


def test_db_status_prints_backend_version_and_counts(cli, store):
    store.run("CREATE (:Organization {orgnr: '923609016'})-[:FILED]->(:Accounts {accounts_id: 'a'})")
    r = cli("db", "status")
    assert r.exit_code == 0
    assert "backend   falkordb" in r.output and "Organization" in r.output and "FILED" in r.output
    info = json.loads(cli("db", "status", "--format", "json").output)
    assert info["counts"]["labels"]["Organization"] == 1


def test_db_init_is_idempotent(cli):
    r = cli("db", "init")
    assert r.exit_code == 0 and "0 created" in r.output


def test_query_runs_library_query_with_params_in_every_format(cli, store):
    store.run("CREATE (:Organization {orgnr: '923609016', name: 'EQUINOR ASA', active: true})")
    r = cli("query", "organization/profile", "--param", "orgnr=923609016", "--format", "json")
    assert json.loads(r.output)[0]["name"] == "EQUINOR ASA"
    r = cli("query", "organization/profile", "-p", "orgnr=923609016", "--format", "csv")
    assert r.output.splitlines()[0].startswith("orgnr,name") and "EQUINOR ASA" in r.output
    r = cli("query", "organization/profile", "-p", "orgnr=923609016")
    assert "EQUINOR ASA" in r.output and "(1 row)" in r.output


def test_query_errors_exit_1_with_a_message(cli):
    r = cli("query", "organization/profile")
    assert r.exit_code == 1 and "needs parameter orgnr" in r.output
    r = cli("query", "no/such/query")
    assert r.exit_code == 1 and "no query named" in r.output


def test_adhoc_cypher_is_read_only(cli, store):
    r = cli("query", "--cypher", "CREATE (:Organization {orgnr: 'x'})")
    assert r.exit_code == 1 and "read-only" in r.output
    assert store.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]
    r = cli("query", "--cypher", "RETURN $a AS a", "-p", "a=hello", "--format", "json")
    assert json.loads(r.output) == [{"a": "hello"}]


def test_query_list_shows_the_library(cli):
    r = cli("query", "--list")
    assert r.exit_code == 0 and "network/ego_network" in r.output


FIXTURES = Path(__file__).resolve().parent / "fixtures" / "loaders"


def test_load_units_from_cli_writes_the_graph_and_exits_0(cli, store):
    r = cli("load", "units", str(FIXTURES / "units" / "enhet-910000063.json"))
    assert r.exit_code == 0, r.output
    assert store.read("MATCH (o:Organization) RETURN o.orgnr AS o") == [{"o": "910000063"}]


def test_load_with_rejected_rows_exits_3_and_names_the_reject_file(cli, store, tmp_path):
    unit = json.loads((FIXTURES / "units" / "enhet-910000063.json").read_text(encoding="utf-8"))
    rows = [unit, {**unit, "organisasjonsnummer": "123456789"}]  # the second fails the mod-11 check digit
    bad = tmp_path / "enheter-bad.json"
    bad.write_text(json.dumps(rows), encoding="utf-8")
    r = CliRunner().invoke(main, ["load", "units", str(bad), "--reject-dir", str(tmp_path)])
    assert r.exit_code == 3, r.output
    assert "reject" in r.output
    assert list(tmp_path.glob("*.jsonl"))


def test_load_dry_run_writes_nothing(cli, store):
    r = cli("load", "units", "--dry-run", str(FIXTURES / "units" / "enhet-910000063.json"))
    assert r.exit_code == 0, r.output
    assert store.read("MATCH (n:Organization) RETURN count(n) AS c") == [{"c": 0}]


def test_sync_brreg_from_the_command_line_applies_the_feeds_and_status_shows_the_cursors(cli, store, tmp_path):
    """`klynge sync brreg --base-url … --since …` against the 127.0.0.1 mirror, then `klynge sync status`."""
    from bench.brreg_mirror import MirrorServer, Register

    reg = Register()
    unit = {"organisasjonsnummer": "910000004", "navn": "HØNEFOSS TRELAST AS",
            "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"}}
    reg.put_unit(unit)
    reg.unit_event("910000005", "Endring")  # a bad check digit: rejected, exit code 3
    with MirrorServer(reg) as srv:
        r = cli("sync", "brreg", "--base-url", srv.base_url, "--since", "2026-11-01", "--reject-dir", str(tmp_path))
        assert r.exit_code == 3, r.output
        again = cli("sync", "brreg", "--base-url", srv.base_url, "--feed", "units", "--from-cursor", "0")
    assert again.exit_code == 3 and "brreg:units: ok" in again.output
    assert store.read("MATCH (o:Organization) RETURN o.name AS n") == [{"n": "HØNEFOSS TRELAST AS"}]
    rows = json.loads(cli("sync", "status", "--format", "json").output)
    units = next(x for x in rows if x["feed"] == "brreg:units")
    assert units["cursor"] == reg.unit_feed[-1]["oppdateringsid"] and units["status"] == "ok"
    assert cli("sync", "brreg", "--from-cursor", "5").exit_code == 1  # one id for three feeds: refused


def test_each_load_command_is_made_from_its_source_declaration():
    """`klynge load` lists every kind of loaders.KINDS, and each command's options are its declaration's."""
    import loaders

    runner = CliRunner()
    listing = runner.invoke(main, ["load", "--help"]).output
    for kind in loaders.KINDS:
        source = loaders.source_of(kind)
        assert kind in listing
        out = runner.invoke(main, ["load", kind, "--help"]).output
        assert ("PATH" in out.split("\n")[0]) == source.takes_path, kind
        for o in source.options:
            assert "--" + o.name.replace("_", "-") in out, (kind, o.name)
    refused = runner.invoke(main, ["load", "grants", "--source", "elsewhere", "x.csv"])
    assert refused.exit_code == 2 and "elsewhere" in refused.output


def test_fit_commands_rank_explain_and_evaluate(cli, store):
    """On the hand-built world of the analysis tests: the cluster's candidates with explanations, a firm's
    clusters, and an evaluation that says why nothing can be evaluated (one cluster with two members)."""
    from gds_jobs.analysis import fit
    from tests.gds_jobs.test_analysis_groups import D, build_world

    build_world(store)
    fit.clear_cache()
    r = cli("fit", "--cluster", "Klynge En", "--region", "testregion", "--format", "json")
    rows = json.loads(r.output)
    assert r.exit_code == 0 and rows[0]["orgnr"] == D
    assert rows[0]["details"]["chains"][0][0]["person"] == "board member 1"
    assert "Delta" in cli("fit", "--cluster", "Klynge En").output  # every candidate in Norway, D among them
    r = cli("fit", D)
    assert r.exit_code == 0 and "K1" in r.output and "S1" in r.output and "explanation" in r.output
    r = cli("fit", "--evaluate", "--seeds", "2")
    assert r.exit_code == 0 and "Nothing to evaluate" in r.output and "Klynge En: 2 members in the graph" in r.output
    doc = json.loads(cli("fit", "--evaluate", "--seeds", "2", "--format", "json").output)
    assert doc["verdict"].startswith("Not evaluated") and doc["summary"] == []
    assert CliRunner().invoke(main, ["fit"]).exit_code == 2


def test_fit_evaluation_prints_every_variant_with_intervals_the_differences_the_verdict_and_notes():
    """`klynge fit --evaluate`'s output of an evaluation that found something (planted clusters): each variant's
    four metrics with their 95 % intervals as computed, the paired differences, the verdict and the notes; CSV
    and JSON carry the same numbers."""
    import csv
    import io

    from gds_jobs.analysis.fiteval import VARIANTS, evaluate
    from gds_jobs.analysis.fitmodel import context
    from gds_jobs.analysis.fitparts import PART_NAMES
    from klynge.cli import format_evaluation
    from tests.gds_jobs.test_analysis_fit import OPTS, RULES, planted

    ev = evaluate(context(planted(), OPTS, RULES), seeds=2, bootstrap=200)
    out = format_evaluation(ev, "table")
    lines = out.splitlines()
    for r in ev.summary.to_dict("records"):
        line = next(x for x in lines if x.lstrip("| ").startswith(r["variant"] + " "))
        for m in ("hit@10", "hit@50", "mrr", "auc"):
            assert f"{r[m]:.3f} [{r[m + '_ci_low']:.3f}, {r[m + '_ci_high']:.3f}]" in line, (r["variant"], m)
    assert {r["variant"] for r in ev.summary.to_dict("records")} == set(VARIANTS)
    d = ev.differences.set_index("comparison").loc["full − NACE overlap only"]
    assert "Paired differences" in out and f"{d['hit@10']:.3f} [{d['hit@10_ci_low']:.3f}" in out
    assert ev.verdict in out and all(f"* {n}" in out for n in ev.notes)
    rows = list(csv.DictReader(io.StringIO(format_evaluation(ev, "csv"))))
    assert len(rows) == len(VARIANTS)
    assert float(rows[0]["hit@10_ci_low"]) == pytest.approx(ev.summary["hit@10_ci_low"].iloc[0])
    doc = json.loads(format_evaluation(ev, "json"))
    assert doc["verdict"] == ev.verdict and len(doc["summary"]) == len(VARIANTS)
    assert set(doc["weights"]) == set(PART_NAMES)
