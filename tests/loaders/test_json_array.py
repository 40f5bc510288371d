"""The bulk JSON array reader (``loaders.readers.iter_json``): pieces decoded at element boundaries.

Every case is checked against ``ijson`` over the same bytes, the streaming parser the reader
falls back to, with the read size made tiny so that a few kilobytes cross many boundaries.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import ijson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from klynge.errors import LoadError
from loaders import readers
from loaders.core import iter_json


@pytest.fixture(autouse=True)
def small_reads(monkeypatch):
    monkeypatch.setattr(readers, "ARRAY_READ", 97)


def _ijson(data: bytes) -> list:
    return list(ijson.items(io.BytesIO(data), "item", use_float=True))


def _write(tmp_path: Path, data: bytes, gz: bool = True) -> Path:
    p = tmp_path / ("enheter.json.gz" if gz else "enheter.json")
    p.write_bytes(gzip.compress(data) if gz else data)
    return p


def _read(p: Path) -> tuple[list, list[int]]:
    docs = list(iter_json(p))
    return [d.value for d in docs], [d.pos.record for d in docs]


def _unit(i: int, **extra) -> dict:
    return {"organisasjonsnummer": f"{910000000 + i}", "navn": f"Firma {i} AS", "antallAnsatte": i, **extra}


@pytest.mark.parametrize("sep", [b",", b",\n", b" ,\n  ", b",\r\n"])
def test_many_pieces_equal_ijson_with_any_separator(tmp_path, sep):
    data = b"[" + sep.join(json.dumps(_unit(i)).encode() for i in range(300)) + b"]\n"
    values, records = _read(_write(tmp_path, data))
    assert values == _ijson(data) and len(values) == 300
    assert records == list(range(1, 301))


def test_the_boundary_pattern_inside_strings_and_nested_objects_is_not_a_cut(tmp_path):
    tricky = [
        _unit(1, navn='A},{"organisasjonsnummer": "fake"} AS'),
        _unit(2, navn='quote \\" then },{"organisasjonsnummer":'),
        _unit(3, roller=[{"organisasjonsnummer": "x"}, {"organisasjonsnummer": "y", "n": [{"a": 1}, {"b": 2}]}]),
        _unit(4, navn="Ærlig Øl & Å }],{[ AS"),
    ] * 40
    data = json.dumps(tricky, ensure_ascii=False).encode()
    values, records = _read(_write(tmp_path, data))
    assert values == tricky == _ijson(data)
    assert records == list(range(1, len(tricky) + 1))


def test_elements_that_are_not_objects_and_empty_arrays_go_through_ijson(tmp_path):
    for data in (b"[]", b"  [ ]  ", b"[1, 2.5, \"x\", null, [1, 2]]", b'[[{"a": 1}], {"organisasjonsnummer": "1"}]'):
        assert _read(_write(tmp_path, data))[0] == _ijson(data)


def test_numbers_beyond_64_bits_are_read_as_floats_not_a_failed_load(tmp_path):
    # ijson stops the whole load at such a number ("integer overflow"); orjson reads it as a float
    units = [_unit(i, kapital={"belop": 10**30 if i == 150 else 1.5}) for i in range(300)]
    data = json.dumps(units).encode()
    values, records = _read(_write(tmp_path, data))
    assert values[150]["kapital"]["belop"] == 1e30 and isinstance(values[150]["kapital"]["belop"], float)
    assert values[:150] == units[:150] and values[151:] == units[151:] and records == list(range(1, 301))


def test_invalid_json_mid_file_names_the_record_after_yielding_those_before(tmp_path):
    good = [json.dumps(_unit(i)).encode() for i in range(200)]
    data = b"[" + b",".join(good[:120]) + b',{"organisasjonsnummer": "1", "navn": nope},' + b",".join(good[120:]) + b"]"
    seen = []
    with pytest.raises(LoadError, match=r"enheter\.json\.gz at record 121\b.*not valid JSON"):
        for doc in iter_json(_write(tmp_path, data)):
            seen.append(doc.value)
    assert seen == [json.loads(g) for g in good[:120]]


def test_truncated_gzip_yields_the_complete_records_then_names_the_next(tmp_path):
    units = [_unit(i, navn=f"Firma {i} " + "x" * (i % 50)) for i in range(4000)]
    blob = gzip.compress(json.dumps(units).encode())
    p = tmp_path / "enheter.json.gz"
    p.write_bytes(blob[: len(blob) * 2 // 3])
    seen = []
    with pytest.raises(LoadError, match=r"at record (\d+).*(truncated|ends early)") as err:
        for doc in iter_json(p):
            seen.append(doc.value)
    assert 1000 < len(seen) < 4000 and seen == units[: len(seen)]
    assert f"at record {len(seen) + 1}," in str(err.value) or f"at record {len(seen) + 1} " in str(err.value)


def test_a_byte_order_mark_and_plain_files_are_read(tmp_path):
    units = [_unit(i) for i in range(50)]
    data = b"\xef\xbb\xbf" + json.dumps(units).encode()
    assert _read(_write(tmp_path, data, gz=False))[0] == units


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**63) + 1, 2**63 - 1),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                       max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.dictionaries(st.sampled_from(["organisasjonsnummer", "navn", "x", "},{"]), _values, min_size=1),
                max_size=40),
       st.sampled_from([b",", b",\n", b" , "]))
def test_any_array_of_objects_reads_as_ijson_reads_it(tmp_path, records, sep):
    data = b"[" + sep.join(json.dumps(r, ensure_ascii=False).encode() for r in records) + b"]"
    values, positions = _read(_write(tmp_path, data))
    assert values == _ijson(data) and positions == list(range(1, len(records) + 1))
