"""Clusters and SIVA programmes: YAML/CSV, fuzzy name resolution, review and confirmations files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml

import loaders
from loaders.core import graph_fingerprint

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"
NWC = Path(loaders.__file__).parent / "data" / "clusters" / "norwegian_wood_cluster.yaml"


@pytest.fixture
def load(store, tmp_path):
    def _load(kind, path, **kw):
        kw.setdefault("reject_dir", tmp_path / "rejects")
        return loaders.load(kind, path, store, progress=False, **kw)
    return _load


@pytest.fixture
def units(load):
    load("units", FIX / "units" / "enheter.json")
    load("units", FIX / "units" / "enheter-bulk.csv.gz")
    load("units", FIX / "units" / "enhet-910000063.json")


def members(store, cid):
    rows = store.read("MATCH (o:Organization)-[m:MEMBER_OF]->(c:Cluster {cluster_id: $c}) "
                      "RETURN o.orgnr AS o, m.role AS role, m.match_score AS score ORDER BY o", {"c": cid})
    return [(r["o"], r["role"], r["score"]) for r in rows]


def review(path):
    with open(path, encoding="utf-8") as fh:
        return {r["name"]: r for r in csv.DictReader(fh)}


def test_yaml_clusters_members_by_orgnr_and_fuzzy_name(store, load, units, tmp_path):
    s = load("clusters", FIX / "clusters" / "clusters.yaml", review_out=tmp_path / "review.csv",
             confirmations=tmp_path / "none.csv")
    assert s.rejected == 1  # the cluster without a level
    c = store.read("MATCH (c:Cluster {cluster_id: 'ringerike-tre-arena'})-[:IN_PROGRAMME]->(p:Programme) "
                   "RETURN properties(c) AS c, p.programme_id AS p")[0]
    assert (c["c"]["name"], c["c"]["level"], c["c"]["programme"], c["c"]["since"], c["c"]["host_county"],
            c["c"]["host_orgnr"], c["p"]) == ("Ringerike Tre Arena", "Arena", "NIC", 2021, "33", "910000004",
                                              "NIC:Arena")
    got = members(store, "ringerike-tre-arena")
    assert [g[:2] for g in got] == [("910000004", "host"), ("910000063", None), ("910000136", None)]
    assert got[1][2] >= 90 and got[2][2] >= 90  # fuzzy scores kept on the membership
    r = review(tmp_path / "review.csv")
    assert r["Forskningsinstituttet Test"]["status"] == "matched"
    assert r["Forskningsinstituttet Test"]["orgnr"] == "910000063"
    assert r["Finnes Ikke Noe Sted AS"]["status"] == "unmatched"
    siva = store.read("MATCH (c:Cluster {cluster_id: 'honefoss-naeringshage'})-[:IN_PROGRAMME]->(p) "
                      "RETURN c.programme AS prog, p.programme_id AS p")
    assert siva == [{"prog": "SIVA", "p": "SIVA:Næringshage"}]


def test_confirmations_file_is_read_back(store, load, units, tmp_path):
    conf = tmp_path / "clusters.confirmations.csv"
    conf.write_text("name,orgnr\nFinnes Ikke Noe Sted AS,910000020\nJevnaker Glas,\n", encoding="utf-8")
    load("clusters", FIX / "clusters" / "clusters.yaml", review_out=tmp_path / "review.csv", confirmations=conf)
    assert [g[0] for g in members(store, "ringerike-tre-arena")] == ["910000004", "910000020", "910000063"]
    r = review(tmp_path / "review.csv")
    assert (r["Finnes Ikke Noe Sted AS"]["status"], r["Jevnaker Glas"]["status"]) == ("confirmed", "unmatched")


def test_new_member_list_replaces_the_old_one_and_reload_is_idempotent(store, load, units, tmp_path):
    kw = {"review_out": tmp_path / "review.csv", "confirmations": tmp_path / "none.csv"}
    load("clusters", FIX / "clusters" / "clusters.yaml", **kw)
    fp = graph_fingerprint(store)
    s = load("clusters", FIX / "clusters" / "clusters.yaml", **kw)
    assert (s.created, s.updated) == (0, 0)
    assert graph_fingerprint(store) == fp
    s = load("clusters", FIX / "clusters" / "clusters.csv", **kw)
    assert dict(s.extra)["members_removed"] == 1
    assert [g[0] for g in members(store, "ringerike-tre-arena")] == ["910000004", "910000063"]


def test_norwegian_wood_cluster_ships_the_25_members_named_in_the_study(store, load, tmp_path):
    """Seed digest, 'Example cluster': 25 names, Arena, Innlandet (34)."""
    doc = yaml.safe_load(NWC.read_text(encoding="utf-8"))
    (c,) = doc["clusters"]
    assert (c["name"], c["level"], c["host_county"], len(c["members"])) == ("Norwegian Wood Cluster", "Arena",
                                                                            "34", 25)
    assert all(set(m) == {"name"} for m in c["members"])
    s = load("clusters", NWC, review_out=tmp_path / "nwc-review.csv", confirmations=tmp_path / "none.csv")
    assert (s.read, s.created) == (26, 1)  # one cluster and 25 members, none linkable in an empty graph
    r = review(tmp_path / "nwc-review.csv")
    assert len(r) == 25 and {x["status"] for x in r.values()} == {"unmatched"}
    assert any("25 member name(s)" in w for w in s.warnings)
