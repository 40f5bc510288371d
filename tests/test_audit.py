"""The console audit log: JSON lines, newest first, user filter, redaction, several processes appending at once."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import pytest

from klynge import audit
from klynge.audit import AuditError


def entry(state, user="kari", outcome="ok", **kw):
    kw.setdefault("query", "MATCH (o:Organization) RETURN o.name")
    return audit.record(state, user=user, outcome=outcome, **kw)


def test_an_entry_has_every_field_as_one_json_line(tmp_path):
    state = tmp_path / "state"  # created on first write
    before = dt.datetime.now(dt.UTC)
    audit.record(state, user="kari", role="analyst", client_ip="10.0.0.7", endpoint="console.console_csv",
                 query="MATCH (o) RETURN o LIMIT $n", params={"n": 5}, rows=5, elapsed_ms=3.14159,
                 outcome="ok", message=None, truncated=False)
    lines = (state / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    e = json.loads(lines[0])
    assert set(e) == {"at", "user", "role", "ip", "endpoint", "query", "params", "rows", "truncated", "ms",
                      "outcome", "message"}
    assert (e["user"], e["role"], e["ip"], e["endpoint"], e["query"], e["params"], e["rows"], e["ms"],
            e["outcome"], e["message"], e["truncated"]) == (
        "kari", "analyst", "10.0.0.7", "console.console_csv", "MATCH (o) RETURN o LIMIT $n", {"n": 5}, 5, 3.142,
        "ok", None, False)
    at = dt.datetime.fromisoformat(e["at"])
    assert e["at"].endswith("Z") and before - dt.timedelta(seconds=1) <= at <= dt.datetime.now(dt.UTC)
    assert oct((state / "audit.jsonl").stat().st_mode & 0o777) == "0o600"


def test_entries_come_back_newest_first_limited_and_filtered_by_user(tmp_path):
    for i in range(30):
        entry(tmp_path, user="kari" if i % 3 else "ola", query=f"RETURN {i} AS i")
    latest = audit.read_entries(tmp_path, limit=5)
    assert [e["query"] for e in latest] == [f"RETURN {i} AS i" for i in (29, 28, 27, 26, 25)]
    ola = audit.read_entries(tmp_path, limit=100, user="ola")
    assert [e["query"] for e in ola] == [f"RETURN {i} AS i" for i in range(27, -1, -3)]
    assert audit.read_entries(tmp_path, user="nobody") == []
    assert audit.read_entries(tmp_path / "missing") == []


def test_reading_from_the_end_spans_block_boundaries_and_multibyte_text(tmp_path):
    """Lines of ~3 kB with Norwegian letters cross the 64 kB read blocks many times."""
    texts = [f"MATCH (o {{name: 'Bjørnøya æøå {i}'}}) RETURN o // " + "ø" * 1500 for i in range(120)]
    for t in texts:
        entry(tmp_path, query=t)
    got = audit.read_entries(tmp_path, limit=1000)
    assert [e["query"] for e in got] == texts[::-1]


def test_secret_looking_parameters_are_redacted(tmp_path):
    e = entry(tmp_path, params={"password": "hunter2", "api_key": "k", "Token": "t", "orgnr": "923609016"})
    assert e["params"] == {"password": "[redacted]", "api_key": "[redacted]", "Token": "[redacted]",
                           "orgnr": "923609016"}
    assert "hunter2" not in (tmp_path / "audit.jsonl").read_text()


def test_every_outcome_is_accepted_and_others_refused(tmp_path):
    for o in audit.OUTCOMES:
        entry(tmp_path, outcome=o, message=None if o == "ok" else "why")
    assert [e["outcome"] for e in audit.read_entries(tmp_path)] == list(reversed(audit.OUTCOMES))
    with pytest.raises(AuditError, match="outcome 'fine' is unknown; use one of ok, truncated, refused, timeout, error"):
        entry(tmp_path, outcome="fine")


def test_a_damaged_line_is_shown_not_hidden(tmp_path):
    entry(tmp_path, query="RETURN 1")
    with open(tmp_path / "audit.jsonl", "a", encoding="utf-8") as fh:
        fh.write('{"at": "2026-11-27T00:00:00Z", "user": "ka\n')
    entry(tmp_path, query="RETURN 2")
    got = audit.read_entries(tmp_path)
    assert [e.get("query") for e in got] == ["RETURN 2", None, "RETURN 1"]
    assert got[1]["outcome"] == "unreadable" and '"user": "ka' in got[1]["message"]


def test_a_state_path_that_is_a_file_is_named(tmp_path):
    blocker = tmp_path / "state"
    blocker.write_text("not a directory")
    with pytest.raises(AuditError, match=f"cannot append to the audit log {blocker}/audit.jsonl.*KLYNGE_STATE_DIR"):
        entry(blocker)


def _writer(args):
    state, who, n = args
    for i in range(n):
        audit.record(state, user=who, query=f"RETURN '{who}' AS w, {i} AS i // " + "x" * 5000, outcome="ok")
    return n


def test_processes_appending_at_once_never_interleave_lines(tmp_path):
    """4 processes x 150 entries of ~5 kB (more than a pipe buffer): every line stays whole."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        assert sum(pool.map(_writer, [(str(tmp_path), f"u{k}", 150) for k in range(4)])) == 600
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 600
    parsed = [json.loads(line) for line in lines]
    for k in range(4):
        mine = [int(e["query"].split(", ")[1].split(" ")[0]) for e in parsed if e["user"] == f"u{k}"]
        assert mine == list(range(150))  # each writer's entries whole and in its own order
