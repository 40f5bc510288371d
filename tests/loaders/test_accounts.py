"""Regnskapsregisteret key figures (data-sources.md §3.2): one Accounts node per orgnr, year and type."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import loaders
from loaders.core import graph_fingerprint

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders" / "accounts"


@pytest.fixture
def load(store, tmp_path):
    def _load(kind, path, **kw):
        kw.setdefault("reject_dir", tmp_path / "rejects")
        return loaders.load(kind, path, store, progress=False, **kw)
    return _load


def accounts(store, aid):
    rows = store.read("MATCH (o:Organization)-[:FILED]->(a:Accounts {accounts_id: $a}) "
                      "RETURN o.orgnr AS org, properties(a) AS p", {"a": aid})
    assert len(rows) == 1
    p = dict(rows[0]["p"])
    p.pop("_hash")
    p.pop("as_of")
    return rows[0]["org"], p


def test_filings_become_accounts_per_year_and_type(store, load):
    """Numbers are the fixture's (regnskap-910000004.json); paths per data-sources.md §3.2."""
    s = load("accounts", FIX / "regnskap-910000004.json")
    assert (s.read, s.created, s.rejected) == (5, 3, 2)
    org, p = accounts(store, "910000004:2025:SELSKAP")
    assert org == "910000004"
    assert p == {"accounts_id": "910000004:2025:SELSKAP", "orgnr": "910000004", "year": 2025,
                 "accounts_type": "SELSKAP", "currency": "NOK", "period_start": "2025-01-01",
                 "period_end": "2025-12-31", "revenue": 62000000, "operating_result": 3500000,
                 "ordinary_result_before_tax": 3100000, "net_result": 2418000, "total_assets": 40000000,
                 "equity": 12500000, "source": "brreg_accounts"}
    assert accounts(store, "910000004:2025:KONSERN")[1]["revenue"] == 80000000


def test_empty_driftsinntekter_means_missing_revenue_and_ebitda_is_never_invented(store, load):
    load("accounts", FIX / "regnskap-910000004.json")
    p = accounts(store, "910000004:2024:SELSKAP")[1]
    assert "revenue" not in p and p["operating_result"] == 2900000
    assert all("ebitda" not in accounts(store, a)[1] for a in
               ("910000004:2025:SELSKAP", "910000004:2025:KONSERN", "910000004:2024:SELSKAP"))


def test_currency_and_supplied_ebitda_are_kept(store, load):
    load("accounts", FIX / "regnskap-910000063-usd.json")
    p = accounts(store, "910000063:2025:SELSKAP")[1]
    assert (p["currency"], p["total_assets"], p["operating_result"], p["ebitda"]) == ("USD", 1500000.5, -250000, 120000)


def test_bad_filings_are_rejected_with_their_field(store, load):
    s = load("accounts", FIX / "regnskap-910000004.json")
    r = [json.loads(x) for x in Path(s.reject_file).read_text(encoding="utf-8").splitlines()]
    assert [(x["record"], x["field"], x["value"]) for x in r] == [
        (4, "regnskapstype", "AARSREGNSKAP"), (5, "eiendeler.sumEiendeler", "mye")]


def test_directory_jsonl_and_single_file_give_the_same_graph(store, load, tmp_path):
    load("accounts", FIX, as_of="2026-10-01")
    fp = graph_fingerprint(store)
    store.wipe()
    store.init_schema()
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(FIX.glob("*.json"))]
    jl = tmp_path / "accounts.jsonl.gz"
    with gzip.open(jl, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    s = load("accounts", jl, as_of="2026-10-01")
    assert (s.read, s.created, s.rejected) == (6, 4, 2)
    assert graph_fingerprint(store) == fp
    s = load("accounts", jl, as_of="2026-10-01")
    assert (s.created, s.updated, s.unchanged) == (0, 0, 4)
    assert graph_fingerprint(store) == fp


def test_organisation_stub_for_an_unknown_filer_is_classified(store, load):
    load("accounts", FIX / "regnskap-910000063-usd.json")
    rows = store.read("MATCH (o:Organization {orgnr: '910000063'}) RETURN o.helix AS h, size(labels(o)) AS n")
    assert rows[0]["h"] is not None and rows[0]["n"] == 2
