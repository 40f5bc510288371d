"""Grants (Forskningsrådet Søknader v2, Innovasjon Norge Tildelinger.csv) and patents.

The Forskningsrådet rows are the publisher's real sample (../shared/fixtures/forskningsradet,
used as it is); the Innovasjon Norge and patent files are hand-written in the §4.2 / README formats.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

import loaders
from loaders.core import graph_fingerprint

TESTS = Path(__file__).resolve().parents[1]
FIX = TESTS / "fixtures" / "loaders"
SHARED = TESTS.parent.parent / "shared" / "fixtures" / "forskningsradet"


@pytest.fixture
def fr_sample() -> Path:
    p = SHARED / "soknader2-sample.csv"
    if not p.exists():
        pytest.skip(f"the real Forskningsrådet sample is not present at {p} (shared fixtures directory missing)")
    return p


@pytest.fixture
def load(store, tmp_path):
    def _load(kind, path, **kw):
        kw.setdefault("reject_dir", tmp_path / "rejects")
        kw.setdefault("review_out", tmp_path / "review.csv")
        return loaders.load(kind, path, store, progress=False, **kw)
    return _load


def grant(store, gid):
    rows = store.read("MATCH (g:Grant {grant_id: $g}) OPTIONAL MATCH (o:Organization)-[r:RECEIVED]->(g) "
                      "RETURN properties(g) AS p, o.orgnr AS org, r.role AS role", {"g": gid})
    assert len(rows) == 1
    p = dict(rows[0]["p"])
    p.pop("_hash")
    p.pop("as_of")
    return p, rows[0]["org"], rows[0]["role"]


def test_forskningsradet_real_sample_loads_row_by_row(store, load, fr_sample):
    """Row 225873 as quoted in data-sources.md §4.1 (STATNETT SF, ENERGIX, 8000000.0 / 6978124.0)."""
    s = load("grants", fr_sample)
    assert (s.read, s.created, s.rejected) == (171, 171, 0)
    p, org, role = grant(store, "forskningsradet:225873")
    assert p == {"grant_id": "forskningsradet:225873", "project_number": "225873",
                 "title": "Stokastisk optimaliseringsmodell for Norden med individuelle vannverdier og nettrestriksjoner",
                 "programme": "Stort program energi", "year": 2013, "status": "Avsluttet", "granted": True,
                 "amount_applied": 8000000.0, "amount_granted": 6978124.0, "orgnr": "962986633",
                 "source": "forskningsradet"}
    assert (org, role) == ("962986633", "lead")
    o = store.read("MATCH (o:Organization {orgnr: '962986633'}) RETURN o.name AS n, o.fr_sector AS s, "
                   "o.municipality_code AS m, o.helix AS h")
    assert o == [{"n": "STATNETT SF", "s": "Offentlig sektor", "m": "0301", "h": o[0]["h"]}]
    assert o[0]["h"] in ("industry", "academia", "government", "intermediary", "other")


def test_forskningsradet_titles_keep_line_breaks_and_rejections_are_not_granted(store, load, fr_sample):
    load("grants", fr_sample)
    titles = store.read("MATCH (g:Grant) WHERE g.title CONTAINS $nl RETURN count(g) AS n", {"nl": "\n"})
    assert titles == [{"n": 6}]
    c = store.read("MATCH (g:Grant) RETURN g.granted AS granted, count(g) AS n ORDER BY granted")
    assert c == [{"granted": False, "n": 107}, {"granted": True, "n": 64}]


def test_forskningsradet_zero_orgnr_means_no_orgnr_and_goes_to_name_review(store, load, fr_sample, tmp_path):
    """The sample writes 0 where a row has no organisation number (49 of 171 rows)."""
    s = load("grants", fr_sample)
    n = store.read("MATCH (g:Grant) WHERE g.orgnr IS NULL RETURN count(g) AS n")
    assert n == [{"n": 49}]
    with (tmp_path / "review.csv").open(encoding="utf-8") as fh:
        review = list(csv.DictReader(fh))
    assert review and {r["status"] for r in review} <= {"unmatched", "ambiguous", "matched"}
    assert dict(s.extra)["review_file"] == str(tmp_path / "review.csv")


def test_semicolon_dialect_with_backslash_escapes_gives_the_same_grants(store, load, fr_sample, tmp_path):
    with fr_sample.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[:6]
    rows[1][1] = 'Tittel med "sitat"; og semikolon'
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, escapechar="\\", doublequote=False,
                   lineterminator="\n")
    for r in rows:
        w.writerow(r)
    p = tmp_path / "dataset.csv"
    p.write_text(buf.getvalue(), encoding="utf-8")
    s = load("grants", p)
    assert (s.read, s.created, s.rejected) == (5, 5, 0)
    assert grant(store, "forskningsradet:225873")[0]["title"] == 'Tittel med "sitat"; og semikolon'
    assert grant(store, f"forskningsradet:{rows[5][0]}")[0]["title"] == rows[5][1]


def test_innovasjon_norge_latin1_file_with_name_only_row(store, load):
    load("units", FIX / "units" / "enheter.json")
    s = load("grants", FIX / "grants" / "Tildelinger-latin1.csv")
    assert (s.read, s.created, s.rejected) == (4, 3, 1)
    assert any("ISO-8859-1" in w for w in s.warnings)
    rows = store.read("MATCH (o:Organization)-[:RECEIVED]->(g:Grant) RETURN o.orgnr AS o, g.amount_granted AS a, "
                      "g.year AS y, g.programme AS p ORDER BY a, g.grant_id")
    assert rows == [
        {"o": "910000004", "a": 450000, "y": 2024, "p": "Tilskudd / Bedriftsutviklingstilskudd"},
        {"o": "910000004", "a": 450000, "y": 2024, "p": "Tilskudd / Bedriftsutviklingstilskudd"},
        {"o": "910000004", "a": 2500000, "y": 2025, "p": "Lån / Lavrisikolån"},  # resolved from the name
    ]
    rej = [json.loads(x) for x in Path(s.reject_file).read_text(encoding="utf-8").splitlines()]
    assert [(r["line"], r["field"], r["value"]) for r in rej] == [(5, "Innvilget dato", "31.02.2025")]


def test_grants_reload_is_idempotent(store, load):
    load("units", FIX / "units" / "enheter.json")
    load("grants", FIX / "grants" / "Tildelinger-latin1.csv")
    fp = graph_fingerprint(store)
    s = load("grants", FIX / "grants" / "Tildelinger-latin1.csv")
    assert (s.created, s.updated, s.unchanged) == (0, 0, 3)
    assert graph_fingerprint(store) == fp


def test_patents_link_applicants_by_orgnr_and_by_name(store, load):
    load("units", FIX / "units" / "enheter.json")
    s = load("patents", FIX / "patents" / "patents.csv")
    assert (s.read, s.created, s.rejected) == (4, 2, 1)
    rows = store.read("MATCH (o:Organization)-[:APPLIED_FOR]->(p:Patent) RETURN p.patent_id AS p, o.orgnr AS o "
                      "ORDER BY p, o")
    assert [(r["p"], r["o"]) for r in rows] == [("NO:20250001", "910000004"), ("NO:20250001", "910000063"),
                                                ("NO:20250002", "910000004")]
    p = store.read("MATCH (p:Patent {patent_id: 'NO:20250001'}) RETURN properties(p) AS p")[0]["p"]
    assert (p["title"], p["filing_date"], p["year"]) == (
        'Fremgangsmåte for tørking av trelast, med "lukket" krets', "2025-02-14", 2025)
    p2 = store.read("MATCH (p:Patent {patent_id: 'NO:20250002'}) RETURN p.filing_date AS d")[0]["d"]
    assert p2 == "2025-08-14"
