"""The loaders' fast paths give the same answers as the plain definitions they stand in for.

Each fast path (mod-11 check on bytes, flat unit getters, ISO-date shortcut, orjson batch
serialisation, GC threshold during a load) is compared with the reference implementation on the same inputs, so a speed change cannot
silently change behaviour.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
from pathlib import Path

import pytest

import loaders
from cypher.store import clean_param, cypher_literal, params_header
from loaders.core import LoadContext, RowRejected, orgnr_ok, to_date
from klynge.reference import is_valid_orgnr
from loaders.sources import brreg_fields, units

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"


def test_fast_orgnr_check_agrees_with_the_reference_definition_on_every_tested_number():
    """All 9-digit numbers in two blocks of 20,000 plus 20,000 random ones: same verdict as
    klynge.reference.is_valid_orgnr (the project's definition of the mod-11 rule)."""
    rng = random.Random(3)
    numbers = [str(n) for n in range(910_000_000, 910_020_000)] + [str(n) for n in range(100_000_000, 100_020_000)]
    numbers += [str(rng.randrange(100_000_000, 1_000_000_000)) for _ in range(20_000)]
    disagreements = [s for s in numbers if orgnr_ok(s) != is_valid_orgnr(s)]
    assert disagreements == []
    assert sum(orgnr_ok(s) for s in numbers) > 5_000  # both verdicts occur (about 1 in 11 are valid)


@pytest.mark.parametrize("value", ["91000000", "9100000040", "91000000a", "９１００００００４", " 910000004"])
def test_fast_orgnr_path_leaves_odd_input_to_the_full_check(value):
    ctx = LoadContext(None, units.SOURCE, Path("x.json"), dry_run=True, progress=False)
    expected = is_valid_orgnr(value.strip()) if value.strip().isascii() else False
    if expected:
        assert ctx.orgnr(value) == value.strip()
    else:
        with pytest.raises(RowRejected):
            ctx.orgnr(value)


def test_unit_flat_getters_cover_every_path_prepare_reads_and_return_the_plain_values():
    """prepare() reads only USED_PATHS, and the flat getters give what json_getter/csv_getter give."""
    records = [r for r in json.loads((FIX / "units" / "enheter.json").read_text(encoding="utf-8"))
               if isinstance(r, dict)]
    ctx = LoadContext(None, units.SOURCE, Path("x.json"), dry_run=True, progress=False)
    read: set[str] = set()
    for rec in records:
        plain = brreg_fields.json_getter(rec)

        def recording(p: str, plain=plain):
            read.add(p)
            return plain(p)

        try:
            units.prepare(ctx, recording, "SN2025")
        except RowRejected:
            pass
        flat = units._JSON_GET(rec)
        assert {p: flat(p) for p in units.USED_PATHS} == {p: plain(p) for p in units.USED_PATHS}
    assert read and read <= set(units.USED_PATHS)
    import csv

    with open(FIX / "units" / "enheter.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";" if ";" in fh.readline() else ","))
    assert rows
    for row in rows:
        flat, plain = units._CSV_GET(row), brreg_fields.csv_getter(row)
        assert {p: flat(p) for p in units.USED_PATHS} == {p: plain(p) for p in units.USED_PATHS}


@pytest.mark.parametrize("value,expected", [
    ("2020-02-29", "2020-02-29"), ("1999-12-31", "1999-12-31"), ("2020-02-30", None), ("2020-13-01", None),
    ("20a0-01-01", None), ("29.02.2020", "2020-02-29"), (" 2020-01-05 ", "2020-01-05"),
    ("2020-01-05T10:00:00", "2020-01-05"),
])
def test_iso_date_shortcut_accepts_and_rejects_like_the_full_parser(value, expected):
    if expected is None:
        with pytest.raises(RowRejected):
            to_date(value, "f")
    else:
        assert to_date(value, "f") == expected


BATCH_VALUES = [
    ["a\nb", "tab\there", 'q"uote', "back\\slash", "ø æ å 😀", "", "'single'", "cr\r\n", "form\ffeed\bback"],
    ["ctl\x01x", "curly {braces}", "\\u0041 is not decoded", "end\\"],
    [1, -5, 0, 2**53, 1.5, -0.0, 1e20, 1e-7, True, False, None, float("nan"), float("inf")],
    [dt.date(2020, 1, 2), (1, "t"), [[]]],
]


@pytest.mark.parametrize("values", BATCH_VALUES, ids=["escapes", "fallbacks", "numbers", "dates-tuples"])
def test_batch_lists_round_trip_through_the_store(store, values):
    """FalkorDB: what the server gives back through the orjson header path equals what it gives back
    for the one-value-at-a-time serialiser's text (cypher_literal, the path before orjson). Neo4j
    (Bolt parameters): exactly the portable values sent (dates as ISO text, NaN and infinities null)."""
    got = store.read("RETURN $rows AS r", {"rows": values})[0]["r"]
    if store.backend == "neo4j":
        assert got == clean_param(values)
        return
    ref_text = "CYPHER rows=[" + ",".join(cypher_literal(v) for v in values) + "] RETURN $rows AS r"
    ref = store._graph.ro_query(ref_text).result_set[0][0]
    assert got == ref
    assert params_header({"rows": values}).startswith("CYPHER rows=[")


def test_gc_thresholds_are_restored_after_a_load(store, tmp_path):
    before = gc.get_threshold()
    loaders.load("units", FIX / "units" / "enheter.json", store, progress=False, reject_dir=tmp_path)
    assert gc.get_threshold() == before


def test_the_young_generation_threshold_is_raised_during_a_load_and_restored_after_a_failure(store, tmp_path):
    from klynge.errors import LoadError
    from loaders.core import GC_GEN0_THRESHOLD, LoadContext, run_loader
    from loaders.sources import units

    before = gc.get_threshold()
    seen = []

    def fn(ctx, path):
        seen.append(gc.get_threshold())
        raise LoadError("stop here")

    ctx = LoadContext(store, units.SOURCE, FIX / "units" / "enheter.json", progress=False)
    with pytest.raises(LoadError, match="stop here"):
        run_loader(ctx, fn)
    assert seen == [(GC_GEN0_THRESHOLD, *before[1:])] and GC_GEN0_THRESHOLD > before[0]
    assert gc.get_threshold() == before


def test_an_update_that_sets_some_properties_to_null_gives_the_node_a_fresh_create_gives(any_store, tmp_path):
    """NodeUpsert's update against its create, on random old and new values: the updated node must
    hold exactly the new non-null values. (FalkorDB 4.x kept a stale value or dropped a set one when a
    statement set several properties, some to null, in about 1 case in 20; the update removes the
    properties before setting them.)"""
    from loaders.sources import subunits

    rng = random.Random(11)
    ctx = LoadContext(any_store, subunits.SOURCE, tmp_path / "x.json", progress=False,
                      options={"as_of": "2026-11-01"})
    choices = {"name": ["A", "B", None], "parent_orgnr": [None], "org_form": ["BEDR", None], "nace1": ["62.100", None],
               "nace_version": ["SN2025", None], "employees": [3, 40, None], "has_employee_count": [True, False, None],
               "municipality_code": [None], "active": [True, False], "closed_date": ["2026-01-01", None],
               "deleted_date": ["2026-02-01", None]}

    def row(i: int) -> list:
        values = [rng.choice(choices[p]) for p in subunits.NODES.props]
        return [f"S{i}", f"h{rng.random()}", *values, [], []]

    old = [row(i) for i in range(60)]
    subunits.NODES.write(ctx, old)
    new = [row(i) for i in range(60)]
    subunits.NODES.write(ctx, new)
    got = {r["k"]: r["p"] for r in any_store.read("MATCH (s:SubUnit) RETURN s.orgnr AS k, properties(s) AS p")}
    for r in new:
        expected = {p: v for p, v in zip(subunits.NODES.props, r[2:2 + len(subunits.NODES.props)]) if v is not None}
        held = {k: v for k, v in got[r[0]].items() if k in subunits.NODES.props}
        assert held == expected, r[0]
