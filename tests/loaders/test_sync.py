"""`klynge sync brreg`: Brønnøysund's update feeds applied through the bulk loaders' own code.

The register is :class:`bench.brreg_mirror.Register`: documents and feed items in the shapes of
data-sources.md §1.3–1.7 and §2 (HAL pages of ``oppdaterteEnheter`` items, roles as CloudEvents),
served on 127.0.0.1 by :class:`bench.brreg_mirror.MirrorServer` started by each test.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import loaders
from bench.brreg_mirror import Fault, MirrorServer, Register
from klynge.errors import ConfigError
from cypher.snapshot import snapshot
from loaders.sync import sync_brreg
from loaders.sync.http import Http

AS_OF = "2026-11-03"
T1 = "2026-11-01"


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    from loaders.synth import generate

    d = tmp_path_factory.mktemp("synth")
    generate(d, units=500, seed=3)
    return d


def fast_http() -> Http:
    return Http(timeout_s=5, retries=3, backoff=0.01)


def bulk_load(store, files: dict[str, Path], tmp_path: Path, as_of: str, reference: bool = True) -> None:
    """Reference data (municipalities, industries: they outlive the units linked to them), then the bulk files."""
    if reference:
        loaders.load("reference", None, store, progress=False)
    for kind in ("units", "subunits", "roles"):
        loaders.load(kind, files[kind], store, progress=False, as_of=as_of, reject_dir=tmp_path / "rejects")


def label_counts(store) -> dict[str, int]:
    rows = store.read("MATCH (n) WHERE NOT n:LoadRun AND NOT n:SyncState UNWIND labels(n) AS l "
                      "RETURN l, count(*) AS n")
    return {r["l"]: r["n"] for r in rows}


def rejects(res) -> list[dict]:
    return [json.loads(x) for x in Path(res.reject_file).read_text(encoding="utf-8").splitlines()]


def test_sync_brings_a_bulk_loaded_graph_to_the_state_of_a_bulk_load_of_the_later_snapshot(
        any_store, synth_dir, tmp_path):
    """Done criterion of issue 21: counts per label and a content hash (as_of/_hash left out: the two
    graphs were written on different dates) equal those of a fresh bulk load of the later snapshot."""
    reg = Register.from_synth(synth_dir)
    bulk_load(any_store, reg.write_bulk(tmp_path / "t1"), tmp_path, T1)
    made = reg.evolve(random.Random(5), 150)
    assert {"unit changed", "unit deleted", "unit created", "roles changed"} <= set(made)
    later = reg.write_bulk(tmp_path / "t2")
    with MirrorServer(reg) as srv:
        summary = sync_brreg(any_store, base_url=srv.base_url, since=T1, page_size=40, as_of=AS_OF,
                             http=fast_http(), reject_dir=tmp_path / "rejects")
    assert summary.status == "ok", summary.describe()
    assert summary.rejected == 0
    units = summary.feeds[0]
    assert units.events == len(reg.unit_feed) and units.cursor == reg.unit_feed[-1]["oppdateringsid"]
    assert units.removed == made.get("unit removed", 0)
    synced = (label_counts(any_store), snapshot(any_store, ignore_properties=("as_of", "_hash")))

    any_store.wipe()
    any_store.init_schema()
    bulk_load(any_store, later, tmp_path, AS_OF)
    fresh = (label_counts(any_store), snapshot(any_store, ignore_properties=("as_of", "_hash")))
    assert synced[0] == fresh[0]
    assert synced[1].diff(fresh[1]) == []
    assert synced[1].digest == fresh[1].digest


def _unit(orgnr: str, name: str, employees: int = 12, municipality: str = "3305") -> dict:
    """A main unit in the shape of GET /enheter/{orgnr} (data-sources.md §1.3)."""
    return {"organisasjonsnummer": orgnr, "navn": name,
            "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
            "naeringskode1": {"kode": "16.100", "beskrivelse": "Saging, høvling og impregnering av tre"},
            "harRegistrertAntallAnsatte": True, "antallAnsatte": employees,
            "forretningsadresse": {"land": "Norge", "landkode": "NO", "postnummer": "3510", "poststed": "HØNEFOSS",
                                   "adresse": ["Storgata 1"], "kommune": "RINGERIKE", "kommunenummer": municipality},
            "institusjonellSektorkode": {"kode": "2100", "beskrivelse": "Private aksjeselskaper mv."},
            "registreringsdatoEnhetsregisteret": "2015-03-01", "konkurs": False, "underAvvikling": False,
            "underTvangsavviklingEllerTvangsopplosning": False, "respons_klasse": "Enhet",
            "_links": {"self": {"href": f"https://data.brreg.no/enhetsregisteret/api/enheter/{orgnr}"}}}


def _board(*people: tuple[str, str, str, str]) -> list[dict]:
    """A STYR group in the shape of GET /enheter/{orgnr}/roller (data-sources.md §2.1); fictitious persons."""
    roles = [{"type": {"kode": code, "beskrivelse": code}, "person": {
        "fodselsdato": born, "navn": {"fornavn": first, "etternavn": last}, "erDoed": False},
        "fratraadt": False, "avregistrert": False, "rekkefolge": i} for i, (code, first, last, born) in enumerate(people)]
    return [{"type": {"kode": "STYR", "beskrivelse": "Styre"}, "sistEndret": "2026-10-01", "roller": roles}]


A, B, C, X = "910000004", "910000012", "910000020", "910000047"
OLA = ("LEDE", "Ola", "Prøvesen", "1961-02-03")
NINA = ("MEDL", "Nina", "Nyvalgt", "1990-12-24")
PER = ("LEDE", "Per", "Bortfjernet", "1970-05-06")


@pytest.fixture
def small_register():
    reg = Register()
    for o, name in ((A, "HØNEFOSS TRELAST AS"), (B, "FJERNES AS"), (C, "UTEN ROLLER AS")):
        reg.units[o] = _unit(o, name)
    reg.roles[A] = {"rollegrupper": _board(OLA, NINA)}
    reg.roles[B] = {"rollegrupper": _board(PER)}
    return reg


def persons(store) -> list[str]:
    return sorted(r["n"] for r in store.read("MATCH (p:Person) RETURN p.name AS n"))


def test_sync_applies_a_night_of_awkward_changes_and_rejects_only_the_malformed_events(
        any_store, small_register, tmp_path):
    reg = small_register
    bulk_load(any_store, reg.write_bulk(tmp_path / "t1"), tmp_path, T1)
    assert persons(any_store) == ["Nina Nyvalgt", "Ola Prøvesen", "Per Bortfjernet"]
    new = reg.new_orgnr(random.Random(1))
    reg.put_unit(_unit(new, "NY OG BORTE AS"))                 # created,
    reg.put_unit(_unit(new, "NY OG BORTE OMDØPT AS", 3))       # changed
    reg.delete_unit(new, "2026-11-02")                         # and deleted in the same window
    changed = _unit(A, "HØNEFOSS TRELAST AS", employees=99)
    reg.put_unit(changed)
    reg.unit_event("910000005", "Endring")                     # malformed: bad check digit
    reg.remove_unit(B)                                         # Fjernet: 410 from now on
    reg.put_roles(A, _board(OLA))                              # Nina leaves the board
    reg.role_event(B)                                          # a role event for a unit that no longer exists
    reg.role_event(X)                                          # ... and for one the register has no roles for
    reg.role_event(C, data={"navn": "no orgnr here"})          # malformed CloudEvent
    reg.role_event(C)                                          # roles 404 for a unit in the graph without roles
    with MirrorServer(reg) as srv:
        srv.faults = [Fault("oppdateringer/enheter", status=429, headers={"Retry-After": "1"}),
                      Fault(f"/enheter/{A}", status=500),
                      Fault("oppdateringer/roller", truncate=True)]
        summary = sync_brreg(any_store, base_url=srv.base_url, since=T1, page_size=100, as_of=AS_OF,
                             http=fast_http(), reject_dir=tmp_path / "rejects")
        log = list(srv.log)
    units, subunits, roles = summary.feeds
    assert (units.status, subunits.status, roles.status) == ("ok", "ok", "ok"), summary.describe()
    # the 429 was honoured: the retry came at least Retry-After (1 s) later
    feed_calls = [t for t, p, _s in log if "oppdateringer/enheter" in p]
    assert [s for _t, p, s in log if "oppdateringer/enheter" in p][:2] == [429, 200]
    assert feed_calls[1] - feed_calls[0] >= 1.0
    # a 500 then success; a page cut off mid-stream fetched again
    assert [s for _t, p, s in log if p.endswith(f"/enheter/{A}")] == [500, 200]
    assert len([p for _t, p, _s in log if "oppdateringer/roller" in p]) == 2
    # created, changed and deleted within the window: fetched once, stored as deleted with its last name
    assert [p for _t, p, _s in log].count(f"/enhetsregisteret/api/enheter/{new}") == 1
    n = any_store.read("MATCH (o:Organization {orgnr: $o}) RETURN o.active AS a, o.status AS s, o.name AS n",
                       {"o": new})
    assert n == [{"a": False, "s": "deleted", "n": "NY OG BORTE OMDØPT AS"}]
    # removed on legal grounds: gone with its roles and the person who only held them; nothing resurrected
    assert any_store.read("MATCH (o:Organization) WHERE o.orgnr IN [$b, $x] RETURN o.orgnr AS o",
                          {"b": B, "x": X}) == []
    assert persons(any_store) == ["Ola Prøvesen"]
    assert any_store.read("MATCH (o:Organization {orgnr: $a}) RETURN o.employees AS e", {"a": A}) == [{"e": 99}]
    assert units.removed == 1 and units.by_type == {"Ny": 1, "Endring": 2, "Sletting": 1, "Fjernet": 1}
    # the malformed events are rejected with the reason; the rest applied
    bad = rejects(units) + rejects(roles)
    assert [(r["field"], r["value"]) for r in bad] == [("organisasjonsnummer", "910000005"),
                                                        ("data.organisasjonsnummer", None)]
    assert "mod-11" in bad[0]["reason"] and "oppdateringer/enheter" in bad[0]["file"] and bad[0]["record"] == 5
    assert summary.rejected == 2 and summary.exit_code == 3
    assert units.cursor == reg.unit_feed[-1]["oppdateringsid"] and roles.cursor == int(reg.role_feed[-1]["id"])
    # a second sync continues from the cursors: nothing new, nothing changed
    before = snapshot(any_store)
    with MirrorServer(reg) as srv:
        again = sync_brreg(any_store, base_url=srv.base_url, as_of=AS_OF, http=fast_http(),
                           reject_dir=tmp_path / "rejects")
    assert again.status == "ok" and sum(f.events for f in again.feeds) == 0
    assert snapshot(any_store).digest == before.digest


def test_a_first_sync_without_a_cursor_says_to_load_the_bulk_files_and_start_from_their_date(
        any_store, small_register, tmp_path):
    bulk_load(any_store, small_register.write_bulk(tmp_path / "t1"), tmp_path, T1)
    with MirrorServer(small_register) as srv:
        summary = sync_brreg(any_store, base_url=srv.base_url, http=fast_http())
        assert srv.log == []  # never starts from zero: not one request
    assert [f.status for f in summary.feeds] == ["not_started", "skipped", "skipped"]
    assert "--since 2026-11-01" in summary.feeds[0].error and "bulk files first" in summary.feeds[0].error
    assert summary.exit_code == 1


def test_from_cursor_needs_one_feed_and_the_page_size_stays_within_the_feeds_limit(any_store):
    with pytest.raises(ConfigError, match="needs one feed"):
        sync_brreg(any_store, from_cursor=5)
    with pytest.raises(ConfigError, match="1 to 10000"):
        sync_brreg(any_store, since=T1, page_size=20_000)
