"""Main units from Enhetsregisteret: bulk JSON, bulk CSV, per-unit JSON, HAL pages; rejects and idempotency.

Fixtures in tests/fixtures/loaders/units are hand-written in the formats of
data-sources.md §1.2–1.6 (fictitious organisations with valid mod-11 numbers).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import shutil
from pathlib import Path

import pytest

import loaders
from klynge.errors import LoadError
from loaders.core import graph_fingerprint

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders" / "units"


def mtime_date(p: Path) -> str:
    return dt.datetime.fromtimestamp(p.stat().st_mtime, tz=dt.UTC).date().isoformat()


def org(store, orgnr: str) -> dict:
    rows = store.read("MATCH (o:Organization {orgnr: $o}) RETURN labels(o) AS labels, properties(o) AS p",
                      {"o": orgnr})
    assert len(rows) == 1, f"expected one Organization {orgnr}, got {len(rows)}"
    return {"labels": sorted(rows[0]["labels"]), **rows[0]["p"]}


def rels(store, orgnr: str) -> list[tuple]:
    rows = store.read(
        "MATCH (o:Organization {orgnr: $o})-[r]->(x) RETURN type(r) AS t, properties(r) AS p, "
        "coalesce(x.industry_id, x.code) AS target", {"o": orgnr})
    return sorted((r["t"], r["target"], tuple(sorted((k, v) for k, v in r["p"].items()))) for r in rows)


def rejects(summary) -> list[dict]:
    return [json.loads(x) for x in Path(summary.reject_file).read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def load(store, tmp_path):
    def _load(kind, path, **kw):
        kw.setdefault("reject_dir", tmp_path / "rejects")
        return loaders.load(kind, path, store, progress=False, **kw)
    return _load


def test_bulk_json_units_become_organizations_node_by_node(store, load):
    """Values are the fixture's own (enheter.json); helix rules from klynge/reference/data/helix_rules.yaml."""
    s = load("units", FIX / "enheter.json")
    assert (s.read, s.created, s.updated, s.unchanged, s.rejected) == (7, 4, 0, 0, 3)
    assert s.exit_code == 3
    as_of = mtime_date(FIX / "enheter.json")
    o = org(store, "910000004")
    o.pop("_hash")
    assert o == {
        "labels": ["Firm", "Organization"], "orgnr": "910000004", "name": "HØNEFOSS TRELAST AS",
        "name_key": "honefoss trelast", "org_form": "AS",
        "nace1": "16.100", "nace2": "46.730", "nace_version": "SN2025", "sector_code": "2100", "employees": 12,
        "has_employee_count": True, "municipality_code": "3305", "postal_code": "3510", "postal_place": "HØNEFOSS",
        "founded": "1998-02-01", "registered": "1998-03-12", "active": True, "status": "active",
        "helix": "industry", "helix_rule": o["helix_rule"], "last_accounts_year": 2025,
        "website": "www.honefoss-trelast.example", "source": "brreg_units", "as_of": as_of,
    }
    assert rels(store, "910000004") == [
        ("IN_INDUSTRY", "SN2025:16.100", (("rank", 1),)),
        ("IN_INDUSTRY", "SN2025:46.730", (("rank", 2),)),
        ("LOCATED_IN", "3305", (("address_type", "business"),)),
    ]
    uni = org(store, "910000012")
    assert uni["labels"] == ["Organization", "University"] and uni["helix"] == "academia"
    assert uni["parent_orgnr"] == "910000128"


def test_deleted_unit_is_kept_inactive_not_dropped(store, load):
    """A deleted unit has the reduced payload with slettedato (data-sources.md §1.3)."""
    load("units", FIX / "enheter.json")
    o = org(store, "910000020")
    assert (o["active"], o["status"], o["deleted_date"], o["name"]) == (False, "deleted", "2023-05-01",
                                                                       "SLETTET EKSEMPEL AS")


def test_hidden_headcount_is_missing_not_zero_and_html_is_stored_verbatim(store, load):
    """ENK with harRegistrertAntallAnsatte true and no antallAnsatte (§1.7); bankrupt stays active."""
    load("units", FIX / "enheter.json")
    o = org(store, "910000047")
    assert "employees" not in o and o["has_employee_count"] is True
    assert o["name"] == "<b>Fet</b> & <script>alert('x')</script> Enkeltperson"
    assert (o["status"], o["active"]) == ("bankrupt", True)


def test_bad_rows_go_to_the_reject_file_and_the_load_goes_on(store, load):
    s = load("units", FIX / "enheter.json")
    got = [(r["record"], r["field"], r["value"]) for r in rejects(s)]
    assert got == [(5, "organisasjonsnummer", "910000001"), (6, "antallAnsatte", "mange"),
                   (7, "organisasjonsnummer", None)]
    assert all(r["file"].endswith("enheter.json") and r["reason"] for r in rejects(s))
    assert store.read("MATCH (o:Organization) RETURN count(o) AS c") == [{"c": 4}]


def test_unknown_fields_are_reported_once(store, load):
    s = load("units", FIX / "enheter.json")
    assert s.unknown_fields == ("nyttFelt2027",)
    assert sum("nyttFelt2027" in w for w in s.warnings) == 1


def test_same_file_twice_changes_nothing(store, load):
    load("units", FIX / "enheter.json")
    fp1 = graph_fingerprint(store)
    s2 = load("units", FIX / "enheter.json")
    assert (s2.created, s2.updated, s2.unchanged, s2.rejected) == (0, 0, 4, 3)
    assert graph_fingerprint(store) == fp1


def test_csv_is_parsed_by_header_name_with_quotes_and_line_breaks(store, load):
    """enheter.csv: quoted values, a line break inside aktivitet, doubled quotes, an extra column."""
    s = load("units", FIX / "enheter-bulk.csv.gz")
    assert (s.read, s.created, s.rejected) == (4, 2, 2)
    assert s.unknown_fields == ("nyKolonne2027",)
    o = org(store, "910000136")
    assert (o["name"], o["municipality_code"], o["nace1"], o["has_employee_count"]) == (
        "JEVNAKER GLASS AS", "3236", "23.130", True)
    assert "employees" not in o
    got = {(r["line"], r["field"]) for r in rejects(s)}
    assert got == {(5, "harRegistrertAntallAnsatte"), (6, "-")}


def test_csv_and_json_of_the_same_unit_give_the_same_properties(store, load, tmp_path):
    load("units", FIX / "enheter.json", as_of="2026-10-01")
    before = org(store, "910000004")
    s = load("units", FIX / "enheter-bulk.csv.gz", as_of="2026-10-01")
    assert s.unchanged == 1  # 910000004 is identical in both formats
    assert org(store, "910000004") == before


def test_per_unit_json_and_hal_pages(store, load):
    s = load("units", FIX / "enhet-910000063.json")
    assert (s.read, s.created) == (1, 1)
    assert org(store, "910000063")["labels"] == ["Organization", "ResearchInstitute"]
    s = load("units", FIX / "search-page.json")
    assert (s.read, s.created) == (2, 2)
    assert org(store, "910000071")["municipality_code"] == "3316"
    s = load("units", FIX / "search-empty.json")
    assert (s.read, s.created, s.rejected) == (0, 0, 0)


def test_reclassification_replaces_the_helix_label(store, load, tmp_path):
    load("units", FIX / "enhet-910000063.json")
    rec = json.loads((FIX / "enhet-910000063.json").read_text(encoding="utf-8"))
    rec["naeringskode1"] = {"kode": "43.210", "beskrivelse": "Elektrisk installasjonsarbeid"}
    p = tmp_path / "changed.json"
    p.write_text(json.dumps(rec), encoding="utf-8")
    s = load("units", p)
    assert s.updated == 1
    o = org(store, "910000063")
    assert o["labels"] == ["Firm", "Organization"] and o["helix"] == "industry"
    assert rels(store, "910000063") == [("IN_INDUSTRY", "SN2025:43.210", (("rank", 1),)),
                                        ("LOCATED_IN", "5001", (("address_type", "business"),))]


def test_update_feed_sletting_marks_inactive_and_fjernet_deletes_the_unit_with_its_links(store, load, tmp_path):
    """data-sources.md §1.7: a deleted unit (Sletting) stays, inactive; a unit removed on legal grounds
    (Fjernet) must be deleted from every copy — with its roles, links and accounts."""
    load("units", FIX / "enheter.json")
    store.run("MATCH (o:Organization {orgnr: '910000004'}) "
              "CREATE (:Person {person_key: 'p1', name: 'Kari'})-[:HOLDS_ROLE {role: 'LEDE'}]->(o), "
              "(o)-[:FILED]->(:Accounts {accounts_id: '910000004:2025:SELSKAP'})")
    feed = [{"oppdateringsid": 7, "dato": "2026-11-02T05:00:00.000Z", "organisasjonsnummer": "910000004",
             "endringstype": "Fjernet"},
            {"oppdateringsid": 8, "dato": "2026-11-03T05:00:00.000Z", "organisasjonsnummer": "910000012",
             "endringstype": "Sletting"}]
    p = tmp_path / "feed.json"
    p.write_text(json.dumps(feed), encoding="utf-8")
    s = load("units", p)
    assert dict(s.extra)["removed"] == 1 and dict(s.extra)["persons_removed"] == 1
    assert store.read("MATCH (o:Organization {orgnr: '910000004'}) RETURN count(o) AS n") == [{"n": 0}]
    assert store.read("MATCH (n) WHERE n:Person OR n:Accounts RETURN count(n) AS n") == [{"n": 0}]
    o = org(store, "910000012")
    assert (o["active"], o["status"], o["deleted_date"]) == (False, "deleted", "2026-11-03")
    again = load("units", p)
    assert dict(again.extra).get("removed", 0) == 0 and org(store, "910000012")["status"] == "deleted"


def test_dry_run_validates_and_writes_nothing(store, load):
    s = load("units", FIX / "enheter.json", dry_run=True)
    assert (s.read, s.rejected, s.created, s.dry_run) == (7, 3, 0, True)
    assert store.read("MATCH (n) RETURN count(n) AS c") == [{"c": 0}]


def test_load_run_is_recorded(store, load):
    s = load("units", FIX / "enheter.json")
    rows = store.read("MATCH (l:LoadRun) RETURN properties(l) AS p")
    assert len(rows) == 1
    p = rows[0]["p"]
    assert (p["load_id"], p["status"], p["read"], p["created"], p["rejected"]) == (s.load_id, "ok", 7, 4, 3)


def test_truncated_gzip_is_a_clear_error_and_committed_batches_stay(store, load, tmp_path):
    import random

    from loaders.core import orgnr_ok

    rnd = random.Random(5)
    numbers = [str(i) for i in range(910000000, 910060000) if orgnr_ok(str(i))][:4000]
    units = [{"organisasjonsnummer": o, "navn": f"FIRMA {rnd.random()} AS", "organisasjonsform": {"kode": "AS"}}
             for o in numbers]
    raw = gzip.compress(json.dumps(units).encode())
    p = tmp_path / "enheter.json.gz"
    p.write_bytes(raw[: len(raw) * 3 // 4])
    with pytest.raises(LoadError, match=r"enheter\.json\.gz at record \d+.*(truncated|ends early)"):
        load("units", p, batch_size=500)
    n = store.read("MATCH (o:Organization) RETURN count(o) AS c")[0]["c"]
    assert n >= 500 and n % 500 == 0  # whole batches written before the error stay
    run = store.read("MATCH (l:LoadRun) RETURN l.status AS s, l.error AS e")[0]
    assert run["s"] == "failed" and "truncated" in run["e"] or "ends early" in run["e"]


def test_invalid_json_names_the_record(store, load, tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('[{"organisasjonsnummer": "910000004", "navn": "A"}, {"organisasjonsnummer": "9100', encoding="utf-8")
    with pytest.raises(LoadError, match=r"bad\.json at record 2"):
        load("units", p)


def test_invalid_csv_quoting_names_the_line(store, load, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text('"organisasjonsnummer","navn"\n"910000004","OK AS"\n"910000012","UTEN SLUTT\n', encoding="utf-8")
    with pytest.raises(LoadError, match=r"bad\.csv at record 2, line 3"):
        load("units", p)


def test_iso_8859_1_csv_is_read_as_such_with_a_warning(store, load, tmp_path):
    text = (FIX / "enheter.csv").read_text(encoding="utf-8")
    p = tmp_path / "latin1.csv"
    p.write_bytes(text.encode("iso-8859-1"))
    s = load("units", p)
    assert org(store, "910000004")["name"] == "HØNEFOSS TRELAST AS"
    assert any("ISO-8859-1" in w for w in s.warnings)


def test_json_in_a_wrong_encoding_is_a_clear_error(store, load, tmp_path):
    p = tmp_path / "latin1.json"
    p.write_bytes('[{"organisasjonsnummer": "910000004", "navn": "HØNEFOSS"}]'.encode("iso-8859-1"))
    with pytest.raises(LoadError, match=r"latin1\.json at record 1"):
        load("units", p)
    assert store.read("MATCH (o:Organization) RETURN count(o) AS c") == [{"c": 0}]


def test_undecodable_bytes_after_a_utf8_start_are_a_clear_error(store, load, tmp_path):
    head = '"organisasjonsnummer","navn"\n' + "".join(f'"910000004","RAD {i} ÆØÅ"\n' for i in range(3000))
    p = tmp_path / "mixed.csv"
    p.write_bytes(head.encode("utf-8") + '"910000012","BLÅ"\n'.encode("iso-8859-1"))
    with pytest.raises(LoadError, match=r"mixed\.csv at .*not valid utf-8"):
        load("units", p)


def test_huge_field_is_rejected_not_stored(store, load, tmp_path):
    rec = [{"organisasjonsnummer": "910000004", "navn": "X" * 200_000, "organisasjonsform": {"kode": "AS"}},
           {"organisasjonsnummer": "910000012", "navn": "NORMAL AS", "organisasjonsform": {"kode": "AS"}}]
    p = tmp_path / "huge.json"
    p.write_text(json.dumps(rec), encoding="utf-8")
    s = load("units", p)
    assert (s.created, s.rejected) == (1, 1)
    r = rejects(s)[0]
    assert r["field"] == "navn" and "limit" in r["reason"] and len(r["value"]) < 1000


def test_duplicate_record_is_rejected(store, load, tmp_path):
    rec = [{"organisasjonsnummer": "910000004", "navn": "FØRSTE AS"},
           {"organisasjonsnummer": "910000004", "navn": "ANDRE AS"}]
    p = tmp_path / "dup.json"
    p.write_text(json.dumps(rec), encoding="utf-8")
    s = load("units", p)
    assert (s.created, s.rejected) == (1, 1)
    assert org(store, "910000004")["name"] == "FØRSTE AS"
    assert "duplicate" in rejects(s)[0]["reason"]


def test_directory_of_files(store, load, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(FIX / "enhet-910000063.json", d)
    shutil.copy(FIX / "search-page.json", d)
    s = load("units", d)
    assert (s.read, s.created) == (3, 3)


def test_full_snapshot_marks_units_missing_from_the_newer_file_unlisted(store, load, tmp_path):
    old = tmp_path / "old.json"
    new = tmp_path / "new.json"
    old.write_text(json.dumps([{"organisasjonsnummer": "910000004", "navn": "A AS"},
                               {"organisasjonsnummer": "910000012", "navn": "B AS"}]), encoding="utf-8")
    new.write_text(json.dumps([{"organisasjonsnummer": "910000004", "navn": "A AS"}]), encoding="utf-8")
    load("units", old, as_of="2026-10-01", snapshot=True)
    s = load("units", new, as_of="2026-11-01", snapshot=True)
    assert dict(s.extra)["unlisted"] == 1
    b = org(store, "910000012")
    assert (b["active"], b["status"], b["name"]) == (False, "unlisted", "B AS")
    assert org(store, "910000004")["active"] is True
    again = load("units", new, as_of="2026-11-01", snapshot=True)
    assert dict(again.extra)["unlisted"] == 0
