"""Bad input for every loader: unreadable files fail with the file and position, bad rows are rejected with
their field, odd but valid values are kept verbatim, and nothing already in the graph is lost.

Valid inputs are the first records of a small synthetic Norway (``loaders.synth``, the real formats);
each case damages them in one way. Before every load the graph holds *sentinel* organisations (the
hand-written units fixture, numbers outside the synthetic range); after it, the sentinels' nodes and
relationships must be unchanged, and no label may have fewer nodes than before.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import loaders
from bench import stress
from cypher.snapshot import snapshot
from klynge.errors import LoadError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"
SENTINEL_FILE = FIX / "units" / "enheter.json"
SENTINELS = ("910000004", "910000012", "910000020", "910000047")  # the 4 valid units of enheter.json

SENTINEL_STATE = """
MATCH (o:Organization) WHERE o.orgnr IN $orgnrs
OPTIONAL MATCH (o)-[r]-(x)
WITH o, r, x ORDER BY type(r), coalesce(x.orgnr, x.code, x.industry_id, x.person_key)
RETURN o.orgnr AS orgnr, labels(o) AS labels, properties(o) AS props,
       collect([type(r), properties(r), labels(x), coalesce(x.orgnr, x.code, x.industry_id, x.person_key)]) AS rels
ORDER BY orgnr
"""
LOAD_RUN_OF = "MATCH (l:LoadRun) WHERE l.file ENDS WITH $name RETURN l.status AS status, l.error AS error"


# ----------------------------------------------------------------------------- inputs


@pytest.fixture(scope="module")
def synth(tmp_path_factory) -> Path:
    return stress.synth_folder(tmp_path_factory.mktemp("synth"), 500, 5)


def _json_records(path: Path, n: int) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)[:n]


def _csv_rows(path: Path, n: int, delimiter: str = ",", encoding: str = "utf-8") -> tuple[list[str], list[list[str]]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        header = next(reader)
        rows = [r for _, r in zip(range(n), reader)]
    return header, rows


def _write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",",
               encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


@pytest.fixture(scope="module")
def base(synth) -> dict[str, Any]:
    """Five valid records per format, taken from the synthetic files."""
    files = json.loads((synth / "manifest.json").read_text())["files"]
    with gzip.open(synth / files["accounts_jsonl"], "rt", encoding="utf-8") as fh:
        accounts = [json.loads(line) for _, line in zip(range(3), fh)]
    clusters = yaml.safe_load((synth / files["clusters"]).read_text(encoding="utf-8"))
    out = {
        "units": _json_records(synth / files["units_json"], 5),
        "units_csv": _csv_rows(synth / files["units_csv"], 5),
        "subunits": _json_records(synth / files["subunits_json"], 5),
        "roles": _json_records(synth / files["roles_json"], 5),
        "accounts": accounts,
        "forskningsradet": _csv_rows(synth / files["grants_forskningsradet"], 5),
        "innovasjon_norge": _csv_rows(synth / files["grants_innovasjon_norge"], 5, delimiter=";"),
        "patents": _csv_rows(synth / files["patents"], 5),
        "clusters": {"clusters": [c for c in clusters["clusters"] if c.get("members")][:2]},
    }
    numbers = {str(u["organisasjonsnummer"]) for u in out["units"]}
    assert not numbers & set(SENTINELS)
    return out


@pytest.fixture
def graph(store, tmp_path):
    """The store with the sentinel organisations loaded; returns a checker of what must be kept."""
    s = loaders.load("units", SENTINEL_FILE, store, progress=False, reject_dir=tmp_path / "sentinel-rejects")
    assert s.created == 4
    before_state = store.read(SENTINEL_STATE, {"orgnrs": list(SENTINELS)})
    before_counts = store.counts()["labels"]
    before_snap = snapshot(store)
    assert len(before_state) == 4

    class Graph:
        def __init__(self) -> None:
            self.store = store
            self.before = before_snap

        def kept(self) -> None:
            """The sentinels are unchanged and no label lost nodes."""
            assert store.read(SENTINEL_STATE, {"orgnrs": list(SENTINELS)}) == before_state
            now = store.counts()["labels"]
            shrunk = {k: (v, now.get(k, 0)) for k, v in before_counts.items() if now.get(k, 0) < v}
            assert shrunk == {}

        def unchanged(self) -> None:
            """Nothing at all was written (LoadRun bookkeeping aside)."""
            after = snapshot(store)
            assert after == self.before, self.before.diff(after)

    return Graph()


def load(kind: str, path: Path, store: Any, tmp_path: Path, **kw: Any):
    return loaders.load(kind, path, store, progress=False, reject_dir=tmp_path / "rejects", **kw)


def load_error(kind: str, path: Path, store: Any, tmp_path: Path, **kw: Any) -> str:
    """The message of the LoadError that loading ``path`` raises (the test fails when none is raised)."""
    with pytest.raises(LoadError) as err:
        load(kind, path, store, tmp_path, **kw)
    return str(err.value)


def rejects(summary) -> list[dict]:
    assert summary.reject_file, "no reject file was written"
    return [json.loads(x) for x in Path(summary.reject_file).read_text(encoding="utf-8").splitlines()]


def _check_reject_rows(rows: list[dict], path: Path) -> None:
    for r in rows:
        assert Path(r["file"]).name == path.name
        assert ("record" in r) or ("line" in r), r
        assert r["field"] and r["reason"], r
        assert "value" in r


# writers per kind: records -> file
def _json_gz(tmp: Path, name: str) -> Callable[[Any], Path]:
    def w(records: Any) -> Path:
        p = tmp / name
        with gzip.open(p, "wt", encoding="utf-8") as fh:
            json.dump(records, fh, ensure_ascii=False)
        return p
    return w


def _jsonl_gz(tmp: Path, name: str) -> Callable[[Any], Path]:
    def w(arrays: Any) -> Path:
        p = tmp / name
        with gzip.open(p, "wt", encoding="utf-8") as fh:
            for a in arrays:
                fh.write(json.dumps(a, ensure_ascii=False) + "\n")
        return p
    return w


# ----------------------------------------------------------------------------- unreadable files

JSON_KINDS = {  # kind -> (base key, file name, writer factory, load options)
    "units": ("units", "enheter_alle.json.gz", _json_gz, {}),
    "subunits": ("subunits", "underenheter_alle.json.gz", _json_gz, {}),
    "roles": ("roles", "roller_totalbestand.json.gz", _json_gz, {}),
    "accounts": ("accounts", "accounts.jsonl.gz", _jsonl_gz, {}),
}
CSV_KINDS = {  # name -> (kind, base key, file name, delimiter, load options)
    "units_csv": ("units", "units_csv", "enheter_alle.csv", ",", {}),
    "forskningsradet": ("grants", "forskningsradet", "soknader.csv", ",", {"source": "forskningsradet"}),
    "innovasjon_norge": ("grants", "innovasjon_norge", "Tildelinger.csv", ";", {"source": "innovasjon_norge"}),
    "patents": ("patents", "patents.csv", "patents.csv", ",", {}),
}
CSV_KINDS["patents"] = ("patents", "patents", "patents.csv", ",", {})


@pytest.mark.parametrize("kind", sorted(JSON_KINDS))
def test_truncated_gzip_names_file_and_position_and_writes_nothing(kind, base, graph, tmp_path):
    key, name, factory, opts = JSON_KINDS[kind]
    p = factory(tmp_path, name)(base[key] * 4)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2])
    msg = load_error(kind, p, graph.store, tmp_path, **opts)
    assert name in msg and ("record" in msg or "line" in msg or "byte" in msg), msg
    assert "truncated" in msg or "ends early" in msg, msg
    rows = graph.store.read(LOAD_RUN_OF, {"name": "/" + name})
    assert len(rows) == 1 and rows[0]["status"] == "failed" and name in rows[0]["error"], rows
    graph.kept()


@pytest.mark.parametrize("kind", sorted(JSON_KINDS))
def test_invalid_json_names_file_and_record(kind, base, graph, tmp_path):
    key, name, _, opts = JSON_KINDS[kind]
    plain = name.removesuffix(".gz")
    text = json.dumps(base[key][:2], ensure_ascii=False) if kind != "accounts" else \
        "\n".join(json.dumps(a, ensure_ascii=False) for a in base[key][:2])
    # break the second record: drop the closing of the document and a quote inside it
    cut = text.rfind('"', 0, len(text) - 5)
    p = tmp_path / plain
    p.write_text(text[:cut] + "{,", encoding="utf-8")
    msg = load_error(kind, p, graph.store, tmp_path, **opts)
    assert plain in msg and "record 2" in msg, msg
    graph.kept()


@pytest.mark.parametrize("name", sorted(CSV_KINDS))
def test_broken_csv_quoting_names_file_and_line(name, base, graph, tmp_path):
    kind, key, fname, delim, opts = CSV_KINDS[name]
    header, rows = base[key]
    p = _write_csv(tmp_path / fname, header, rows[:2], delim)
    with open(p, "a", encoding="utf-8") as fh:
        fh.write('"' + rows[2][0] + delim + '"UTEN SLUTT\n')
    msg = load_error(kind, p, graph.store, tmp_path, **opts)
    assert fname in msg and "line" in msg, msg
    graph.kept()


@pytest.mark.parametrize("kind", sorted(JSON_KINDS))
def test_json_in_iso_8859_1_is_refused_with_file_and_record(kind, base, graph, tmp_path):
    key, name, _, opts = JSON_KINDS[kind]
    plain = name.removesuffix(".gz")
    records = json.loads(json.dumps(base[key][:1]))
    text = (json.dumps(records, ensure_ascii=False) if kind != "accounts" else json.dumps(records[0], ensure_ascii=False))
    text = text.replace('"', '"Æ', 1) if "Æ" not in text else text  # make sure a non-ASCII letter is in it
    p = tmp_path / plain
    p.write_bytes(text.encode("iso-8859-1", errors="replace"))
    msg = load_error(kind, p, graph.store, tmp_path, **opts)
    assert plain in msg and "record 1" in msg, msg
    graph.unchanged()


@pytest.mark.parametrize("name", ["units_csv", "forskningsradet", "innovasjon_norge", "patents"])
def test_iso_8859_1_csv_is_read_as_such_with_a_warning(name, base, graph, tmp_path):
    kind, key, fname, delim, opts = CSV_KINDS[name]
    header, rows = base[key]
    rows = [list(r) for r in rows]
    col = next(i for i, h in enumerate(header) if h.lower() in ("navn", "bedriftsnavn", "applicant_name",
                                                                 "prosjekttittel", "title"))
    for r in rows:
        r[col] = "BLÅBÆR ØST " + r[col]
    p = _write_csv(tmp_path / fname, header, rows, delim, encoding="iso-8859-1")
    s = load(kind, p, graph.store, tmp_path, **opts)
    assert any("ISO-8859-1" in w for w in s.warnings), s.warnings
    assert s.read == 5
    names = {r["n"] for r in graph.store.read(
        "MATCH (n) WHERE n.name STARTS WITH 'BLÅBÆR ØST' OR n.title STARTS WITH 'BLÅBÆR ØST' "
        "OR n.applicant_name STARTS WITH 'BLÅBÆR ØST' RETURN coalesce(n.name, n.title, n.applicant_name) AS n")}
    assert names, "the ISO-8859-1 letters did not arrive as ÆØÅ"
    graph.kept()


# ----------------------------------------------------------------------------- rejected rows

ORGNR_FIELD = {"units": "organisasjonsnummer", "subunits": "organisasjonsnummer", "roles": "organisasjonsnummer"}


def _bad_check_digit(orgnr: str) -> str:
    return orgnr[:8] + str((int(orgnr[8]) + 1) % 10)


@pytest.mark.parametrize("kind", ["units", "subunits", "roles"])
def test_bad_check_digit_missing_key_and_wrong_type_reject_their_row_with_the_field(kind, base, graph, tmp_path):
    key, name, factory, opts = JSON_KINDS[kind]
    records = json.loads(json.dumps(base[key]))
    records[1]["organisasjonsnummer"] = _bad_check_digit(str(records[1]["organisasjonsnummer"]))
    del records[2]["organisasjonsnummer"]
    records[3]["organisasjonsnummer"] = {"nummer": records[3]["organisasjonsnummer"]}
    p = factory(tmp_path, name)(records)
    s = load(kind, p, graph.store, tmp_path, **opts)
    rows = rejects(s)
    _check_reject_rows(rows, p)
    by_record = {r.get("record"): r for r in rows}
    assert {2, 3, 4} <= set(by_record), rows
    for rec in (2, 3, 4):
        assert by_record[rec]["field"] == "organisasjonsnummer", by_record[rec]
    assert "check digit" in by_record[2]["reason"] or "mod-11" in by_record[2]["reason"], by_record[2]
    assert s.exit_code == 3
    graph.kept()


def test_accounts_bad_orgnr_wrong_number_and_missing_period_reject_with_the_field(base, graph, tmp_path):
    arrays = json.loads(json.dumps(base["accounts"]))
    arrays[0][0]["virksomhet"]["organisasjonsnummer"] = _bad_check_digit(
        arrays[0][0]["virksomhet"]["organisasjonsnummer"])
    del arrays[1][0]["regnskapsperiode"]
    p = _jsonl_gz(tmp_path, "accounts.jsonl.gz")(arrays)
    s = load("accounts", p, graph.store, tmp_path)
    rows = rejects(s)
    _check_reject_rows(rows, p)
    fields = {r["field"] for r in rows}
    assert any("organisasjonsnummer" in f for f in fields), rows
    assert any("regnskapsperiode" in f for f in fields), rows
    graph.kept()


@pytest.mark.parametrize("name,field,value", [
    ("forskningsradet", "organisasjonsnummer", "123456789"),
    ("forskningsradet", "tildelt_belop", "mange penger"),
    ("innovasjon_norge", "Org-nr", "123456789"),
    ("innovasjon_norge", "Innvilget beløp", "mye"),
    ("patents", "applicant_orgnr", "123456789"),
    ("patents", "filing_date", "31.02.2025"),
    ("units_csv", "organisasjonsnummer", "123456789"),
    ("units_csv", "antallAnsatte", "femti"),
])
def test_csv_row_with_a_bad_value_is_rejected_naming_file_line_and_field(name, field, value, base, graph, tmp_path):
    kind, key, fname, delim, opts = CSV_KINDS[name]
    header, rows = base[key]
    rows = [list(r) for r in rows]
    col = header.index(field)
    rows[1][col] = value
    p = _write_csv(tmp_path / fname, header, rows, delim)
    s = load(kind, p, graph.store, tmp_path, **opts)
    got = rejects(s)
    _check_reject_rows(got, p)
    assert any(r["field"] == field and r["value"] == value for r in got), got
    assert s.read == 5
    graph.kept()


@pytest.mark.parametrize("kind", ["units", "subunits"])
def test_duplicate_record_is_rejected_and_the_first_kept(kind, base, graph, tmp_path):
    key, name, factory, opts = JSON_KINDS[kind]
    records = json.loads(json.dumps(base[key][:3]))
    dup = json.loads(json.dumps(records[0]))
    dup["navn"] = "ANDRE UTGAVE AS"
    p = factory(tmp_path, name)(records + [dup])
    s = load(kind, p, graph.store, tmp_path, **opts)
    got = rejects(s)
    assert len(got) == 1 and "duplicate" in got[0]["reason"] and got[0]["record"] == 4, got
    label = "Organization" if kind == "units" else "SubUnit"
    rows = graph.store.read(f"MATCH (n:{label} {{orgnr: $o}}) RETURN n.name AS name",
                            {"o": str(records[0]["organisasjonsnummer"])})
    assert rows == [{"name": records[0]["navn"]}]
    graph.kept()


@pytest.mark.parametrize("kind", ["units", "subunits", "roles"])
def test_huge_field_is_rejected_with_the_limit(kind, base, graph, tmp_path):
    key, name, factory, opts = JSON_KINDS[kind]
    records = json.loads(json.dumps(base[key][:3]))
    if kind == "roles":
        holder = next(r for g in records[1]["rollegrupper"] for r in g["roller"] if "person" in r)
        holder["person"]["navn"]["fornavn"] = "X" * 150_000
    else:
        records[1]["navn"] = "X" * 150_000
    p = factory(tmp_path, name)(records)
    s = load(kind, p, graph.store, tmp_path, **opts)
    got = rejects(s)
    assert any("limit" in r["reason"] and len(json.dumps(r["value"])) < 1000 for r in got), got
    huge = graph.store.read("MATCH (n) WHERE size(coalesce(n.name, '')) > 100000 RETURN count(n) AS c")
    assert huge == [{"c": 0}]
    graph.kept()


# ----------------------------------------------------------------------------- kept, with a word

@pytest.mark.parametrize("kind", ["units", "subunits", "roles"])
def test_unknown_fields_are_reported_once_and_the_rows_load(kind, base, graph, tmp_path):
    key, name, factory, opts = JSON_KINDS[kind]
    records = json.loads(json.dumps(base[key][:3]))
    for r in records:
        r["nyttFelt"] = {"kode": "X"}
    p = factory(tmp_path, name)(records)
    s = load(kind, p, graph.store, tmp_path, **opts)
    assert s.rejected == 0 and s.read >= 3  # roles count one row per role
    assert any(u.startswith("nyttFelt") for u in s.unknown_fields), s.unknown_fields
    assert sum("unknown field" in w for w in s.warnings) == 1, s.warnings
    graph.kept()


SCRIPT_NAMES = ['<script>alert("x")</script> AS', "Ola & <b>Kari</b> AS", "ROBERT'); DROP TABLE x;-- AS",
                "MATCH (n) DETACH DELETE n AS", "{{7*7}} ${7*7} AS"]


@pytest.mark.parametrize("kind", ["units", "subunits"])
def test_names_with_html_script_or_cypher_are_stored_verbatim(kind, base, graph, tmp_path):
    key, name, factory, opts = JSON_KINDS[kind]
    records = json.loads(json.dumps(base[key][:5]))
    for r, n in zip(records, SCRIPT_NAMES):
        r["navn"] = n
    p = factory(tmp_path, name)(records)
    s = load(kind, p, graph.store, tmp_path, **opts)
    assert s.rejected == 0
    label = "Organization" if kind == "units" else "SubUnit"
    got = graph.store.read(f"MATCH (n:{label}) WHERE n.orgnr IN $o RETURN n.name AS name",
                           {"o": [str(r["organisasjonsnummer"]) for r in records]})
    assert sorted(r["name"] for r in got) == sorted(SCRIPT_NAMES)
    graph.kept()


def test_clusters_yaml_with_bad_member_orgnr_and_script_name(base, graph, tmp_path):
    doc = json.loads(json.dumps(base["clusters"]))
    doc["clusters"][0]["name"] = '<img src=x onerror=alert(1)> Arena'
    doc["clusters"][0]["members"][0] = {"orgnr": "123456789"}
    p = tmp_path / "clusters.yaml"
    p.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    s = load("clusters", p, graph.store, tmp_path)
    got = rejects(s)
    _check_reject_rows(got, p)
    assert any("orgnr" in r["field"] and r["value"] == "123456789" for r in got), got
    assert graph.store.read("MATCH (c:Cluster {name: $n}) RETURN count(c) AS c",
                            {"n": '<img src=x onerror=alert(1)> Arena'}) == [{"c": 1}]
    graph.kept()


def test_clusters_yaml_that_is_not_yaml_names_the_file_and_line(graph, tmp_path):
    p = tmp_path / "clusters.yaml"
    p.write_text("clusters:\n  - name: A\n    members: [\n      - orgnr: '1'\n", encoding="utf-8")
    msg = load_error("clusters", p, graph.store, tmp_path)
    assert "clusters.yaml" in msg and "line" in msg, msg
    graph.unchanged()


def test_clusters_csv_without_a_cluster_name_rejects_the_row(graph, tmp_path):
    header, rows = _csv_rows(FIX / "clusters" / "clusters.csv", 10)
    rows[0][header.index("cluster_name")] = ""
    p = _write_csv(tmp_path / "clusters.csv", header, rows)
    s = load("clusters", p, graph.store, tmp_path)
    got = rejects(s)
    _check_reject_rows(got, p)
    assert any(r["field"] == "cluster_name" for r in got), got
    graph.kept()


# ----------------------------------------------------------------------------- generated damage

JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _damage(record: Any, data: st.DataObject) -> Any:
    """Replace, delete or add one key somewhere in a JSON record."""
    node = record
    while isinstance(node, dict) and node and data.draw(st.booleans(), label="descend"):
        k = data.draw(st.sampled_from(sorted(node)), label="key")
        if not isinstance(node[k], (dict, list)) or not node[k]:
            break
        nxt = node[k]
        node = nxt if isinstance(nxt, dict) else nxt[0]
    if not isinstance(node, dict):
        return record
    action = data.draw(st.sampled_from(["replace", "delete", "add"]), label="action")
    if action == "add" or not node:
        node[data.draw(st.text(min_size=1, max_size=10), label="new key")] = data.draw(JSONISH, label="new value")
    else:
        k = data.draw(st.sampled_from(sorted(node)), label="target")
        if action == "delete":
            del node[k]
        else:
            node[k] = data.draw(JSONISH, label="value")
    return record


@pytest.mark.parametrize("kind", ["units", "subunits", "roles", "accounts"])
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_generated_damage_gives_a_reject_or_a_load_error_never_a_crash(kind, base, graph, tmp_path, data):
    key, name, factory, opts = JSON_KINDS[kind]
    records = json.loads(json.dumps(base[key][:3]))
    i = data.draw(st.integers(0, len(records) - 1), label="record")
    if kind == "accounts":
        records[i][0] = _damage(records[i][0], data)
    else:
        records[i] = _damage(records[i], data)
    p = factory(tmp_path, name)(records)
    try:
        s = load(kind, p, graph.store, tmp_path, **opts)
    except LoadError as exc:
        assert name in str(exc) and ("record" in str(exc) or "line" in str(exc)), str(exc)
    else:
        assert s.read >= len(records) - 1
        if s.rejected:
            _check_reject_rows(rejects(s), p)
    graph.kept()


@pytest.mark.parametrize("name", ["forskningsradet", "innovasjon_norge", "patents", "units_csv"])
@settings(max_examples=8, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_generated_csv_cells_give_a_reject_or_a_load_error_never_a_crash(name, base, graph, tmp_path, data):
    kind, key, fname, delim, opts = CSV_KINDS[name]
    header, rows = base[key]
    rows = [list(r) for r in rows]
    r = data.draw(st.integers(0, len(rows) - 1), label="row")
    c = data.draw(st.integers(0, len(header) - 1), label="column")
    rows[r][c] = data.draw(st.text(max_size=60), label="cell")
    p = _write_csv(tmp_path / fname, header, rows, delim)
    try:
        s = load(kind, p, graph.store, tmp_path, **opts)
    except LoadError as exc:
        assert fname in str(exc), str(exc)
    else:
        if s.rejected:
            got = rejects(s)
            _check_reject_rows(got, p)
    graph.kept()


@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(number=st.text(alphabet="0123456789", min_size=9, max_size=9)
       | st.text(max_size=12) | st.integers(-10, 10**10))
def test_generated_orgnr_is_loaded_exactly_when_its_check_digit_is_right(base, graph, tmp_path, number):
    from hypothesis import assume

    from loaders.core import orgnr_ok

    assume(str(number).strip() not in SENTINELS)
    record = json.loads(json.dumps(base["units"][0]))
    record["organisasjonsnummer"] = number
    p = _json_gz(tmp_path, "enheter_alle.json.gz")([record])
    s = load("units", p, graph.store, tmp_path)
    if orgnr_ok(str(number).strip()):
        assert s.rejected == 0 and s.created + s.updated + s.unchanged == 1
    else:
        assert s.rejected == 1
        (r,) = rejects(s)
        assert r["field"] == "organisasjonsnummer" and r["record"] == 1
    graph.kept()


# ----------------------------------------------------------------------------- the API formats

def test_api_unit_json_with_a_bad_check_digit_is_rejected_and_a_cut_one_names_the_file(graph, tmp_path):
    doc = json.loads((FIX / "units" / "enhet-910000063.json").read_text(encoding="utf-8"))
    doc["organisasjonsnummer"] = _bad_check_digit(doc["organisasjonsnummer"])
    p = tmp_path / "enhet-api.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    s = load("units", p, graph.store, tmp_path)
    (r,) = rejects(s)
    assert (r["field"], r["record"], r["value"]) == ("organisasjonsnummer", 1, doc["organisasjonsnummer"])
    cut = tmp_path / "enhet-cut.json"
    cut.write_text(json.dumps(doc)[:120], encoding="utf-8")
    with pytest.raises(LoadError, match=r"enhet-cut\.json at record 1"):
        load("units", cut, graph.store, tmp_path)
    graph.kept()


def test_hal_search_page_with_one_bad_unit_rejects_that_record_only(graph, tmp_path):
    doc = json.loads((FIX / "units" / "search-page.json").read_text(encoding="utf-8"))
    units = doc["_embedded"]["enheter"]
    units[0]["organisasjonsnummer"] = "12345"
    p = tmp_path / "search-page.json"
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    s = load("units", p, graph.store, tmp_path)
    (r,) = rejects(s)
    assert (r["field"], r["record"], r["value"]) == ("organisasjonsnummer", 1, "12345")
    assert s.created == len(units) - 1
    graph.kept()


def test_api_roles_file_cut_short_names_the_file(graph, tmp_path):
    doc = json.loads((FIX / "roles" / "roller-910000004.json").read_text(encoding="utf-8"))
    cut = tmp_path / "roller-910000004.json"
    cut.write_text(json.dumps(doc, ensure_ascii=False)[:200], encoding="utf-8")
    with pytest.raises(LoadError, match=r"roller-910000004\.json at record 1"):
        load("roles", cut, graph.store, tmp_path)
    graph.kept()
