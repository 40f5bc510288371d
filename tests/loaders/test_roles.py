"""Roles: persons under pseudonyms, organisation holders, inactive roles, set semantics on reload.

Fixtures in tests/fixtures/loaders/roles are hand-written in the shape of data-sources.md §2.1/2.3
with fictitious persons.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import loaders
from loaders.core import graph_fingerprint, person_key

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders" / "roles"
UNITS = Path(__file__).resolve().parents[1] / "fixtures" / "loaders" / "units"


@pytest.fixture
def load(store, tmp_path):
    def _load(kind, path, **kw):
        kw.setdefault("reject_dir", tmp_path / "rejects")
        return loaders.load(kind, path, store, progress=False, **kw)
    return _load


def roles(store, orgnr):
    rows = store.read(
        "MATCH (h)-[r:HOLDS_ROLE]->(o:Organization {orgnr: $o}) "
        "RETURN coalesce(h.name, h.orgnr) AS holder, r.role AS role, r.role_group AS grp, r.active AS active "
        "ORDER BY holder, role", {"o": orgnr})
    return sorted((r["holder"], r["role"], r["grp"], r["active"]) for r in rows)


def test_persons_are_pseudonymous_with_birth_year_only(store, load):
    s = load("roles", FIX / "roller-totalbestand.json")
    assert (s.read, s.created, s.rejected) == (10, 9, 1)
    secret = store.settings.person_key_secret
    key = person_key("Kari Testesen", "1970-05-17", secret)
    rows = store.read("MATCH (p:Person {person_key: $k}) RETURN properties(p) AS p", {"k": key})
    p = rows[0]["p"]
    assert (p["name"], p["birth_year"], p["deceased"]) == ("Kari Testesen", 1970, False)
    stored = json.dumps(store.read("MATCH (p:Person) RETURN properties(p) AS p"))
    assert "1970-05-17" not in stored and "05-17" not in stored


def test_person_key_normalises_case_and_spaces():
    """NFKC + casefold + collapsed spaces: 'OLA  PRØVESEN' and 'Ola Prøvesen' are one person."""
    assert person_key("OLA  PRØVESEN", "1961-02-03", "k") == person_key("Ola Prøvesen", "1961-02-03", "k")
    assert person_key("Ola Prøvesen", "1961-02-03", "k") != person_key("Ola Prøvesen", "1961-02-04", "k")
    assert person_key("Ola Prøvesen", "1961-02-03", "k") != person_key("Ola Prøvesen", "1961-02-03", "other")


def test_board_ceo_auditor_owner_and_trustee(store, load):
    load("roles", FIX / "roller-totalbestand.json")
    assert roles(store, "910000004") == [
        ("Anne  Marie Fiktiv", "VARA", "STYR", False),   # avregistrert
        ("Kari Testesen", "DAGL", "DAGL", True),
        ("Kari Testesen", "MEDL", "STYR", True),
        ("OLA PRØVESEN", "LEDE", "STYR", True),
        ("Per Eksempel", "MEDL", "STYR", False),         # fratraadt
        ("REVISJON TEST AS", "REVI", "REVI", True),      # entity holder, name parts joined
    ]
    # one person chairs two boards: the same Person node (case differs in the source)
    assert store.read("MATCH (p:Person)-[:HOLDS_ROLE {role: 'LEDE'}]->(o) RETURN count(DISTINCT p) AS n") == [{"n": 1}]
    assert roles(store, "910000098") == [("TESTKOMMUNE", "EIKM", "EIKM", True)]
    assert roles(store, "910000047") == [("Advokat Bo Styrer", "BOBE", "BOBE", True)]


def test_unknown_holder_organisations_are_created_with_name_and_helix(store, load):
    load("roles", FIX / "roller-totalbestand.json")
    rows = store.read("MATCH (o:Organization {orgnr: '910000039'}) RETURN o.name AS n, o.helix AS h, labels(o) AS l")
    assert rows == [{"n": "TESTKOMMUNE", "h": "government", "l": ["Organization", "PublicBody"]}]
    rows = store.read("MATCH (o:Organization {orgnr: '910000101'}) RETURN o.name AS n, labels(o) AS l")
    assert rows == [{"n": "REVISJON TEST AS", "l": ["Organization", "Firm"]}]


def test_existing_organisation_keeps_its_register_data(store, load):
    load("units", UNITS / "enheter.json")
    load("roles", FIX / "roller-totalbestand.json")
    rows = store.read("MATCH (o:Organization {orgnr: '910000004'}) RETURN o.name AS n, o.source AS s")
    assert rows == [{"n": "HØNEFOSS TRELAST AS", "s": "brreg_units"}]


def test_bad_holder_orgnr_is_rejected_and_the_rest_of_the_unit_loads(store, load):
    s = load("roles", FIX / "roller-totalbestand.json")
    r = [json.loads(x) for x in Path(s.reject_file).read_text(encoding="utf-8").splitlines()]
    assert [(x["record"], x["field"], x["value"]) for x in r] == [
        (2, "rollegrupper[0].roller[1].enhet.organisasjonsnummer", "910000102")]
    assert roles(store, "910000012") == [("OLA PRØVESEN", "LEDE", "STYR", True)]


def test_newer_record_replaces_the_units_roles(store, load):
    """roller-910000004.json (per-unit API shape, orgnr only in _links) lists LEDE and a new MEDL."""
    load("roles", FIX / "roller-totalbestand.json")
    s = load("roles", FIX / "roller-910000004.json")
    # LEDE is kept but updated: the board's sistEndret moved from 2024-06-20 to 2026-10-01
    assert (s.read, s.created, s.updated, s.unchanged) == (2, 1, 1, 0)
    assert store.read("MATCH (:Person)-[r:HOLDS_ROLE {role: 'LEDE'}]->(:Organization {orgnr: '910000004'}) "
                      "RETURN r.changed AS c")[0]["c"] == "2026-10-01"
    assert dict(s.extra)["roles_removed"] == 5
    assert roles(store, "910000004") == [("Nina Nyvalgt", "MEDL", "STYR", True),
                                         ("Ola Prøvesen", "LEDE", "STYR", True)]
    assert roles(store, "910000012") == [("Ola Prøvesen", "LEDE", "STYR", True)]  # other units untouched


def test_roles_reload_is_idempotent(store, load):
    load("roles", FIX / "roller-totalbestand.json")
    fp = graph_fingerprint(store)
    s = load("roles", FIX / "roller-totalbestand.json")
    assert (s.created, s.updated, s.unchanged) == (0, 0, 9)
    assert graph_fingerprint(store) == fp


def test_roles_record_without_any_orgnr_is_rejected(store, load, tmp_path):
    p = tmp_path / "roller.json"
    p.write_text(json.dumps({"rollegrupper": []}), encoding="utf-8")
    s = load("roles", p)
    assert s.rejected == 1 and s.created == 0
