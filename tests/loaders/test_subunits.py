"""Sub-units: workplaces with their own municipality and employees, linked to the main unit."""

from __future__ import annotations

from pathlib import Path

import loaders

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"


def test_subunits_carry_workplace_municipality_and_employees(store, tmp_path):
    """underenheter.json follows data-sources.md §1.4 (beliggenhetsadresse, overordnetEnhet)."""
    loaders.load("units", FIX / "units" / "enheter.json", store, progress=False, reject_dir=tmp_path)
    s = loaders.load("subunits", FIX / "subunits" / "underenheter.json", store, progress=False, reject_dir=tmp_path)
    assert (s.read, s.created, s.rejected) == (3, 3, 0)
    rows = store.read(
        "MATCH (s:SubUnit)-[:PART_OF]->(o:Organization) MATCH (s)-[:LOCATED_IN]->(m:Municipality) "
        "RETURN s.orgnr AS s, o.orgnr AS parent, m.code AS mun, s.employees AS emp, s.active AS active "
        "ORDER BY s")
    assert rows == [
        {"s": "910000101", "parent": "910000004", "mun": "3305", "emp": 9, "active": True},
        {"s": "910000128", "parent": "910000012", "mun": "3305", "emp": 140, "active": True},
        {"s": "910000136", "parent": "910000055", "mun": "3310", "emp": None, "active": False},
    ]
    closed = store.read("MATCH (s:SubUnit {orgnr: '910000136'}) RETURN s.closed_date AS d")
    assert closed == [{"d": "2022-12-31"}]
    # the unknown parent 910000055 was created as a classified organisation stub
    stub = store.read("MATCH (o:Organization {orgnr: '910000055'}) RETURN o.helix AS h, size(labels(o)) AS n")
    assert stub[0]["h"] is not None and stub[0]["n"] == 2
    # employment counted by workplace municipality (the university is registered in Kongsberg, 3303)
    emp = store.read("MATCH (s:SubUnit)-[:LOCATED_IN]->(:Municipality {code: '3305'}) "
                     "RETURN toInteger(sum(s.employees)) AS e")
    assert emp == [{"e": 149}]
    again = loaders.load("subunits", FIX / "subunits" / "underenheter.json", store, progress=False,
                         reject_dir=tmp_path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
