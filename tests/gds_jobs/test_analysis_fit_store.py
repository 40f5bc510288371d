"""Cluster fit read from the store (both stores): who the candidates are, persons in explanations, the model
kept per data version, and the evaluation on the real-format fixtures.

The world is test_analysis_groups' (IN cluster K1 = A, B; SIVA S1 = C; D shares board member p1 with A) plus
organisations that must never be candidates: a municipality, a municipal school (ORGL), a private school
organised as AS (NACE 85.201), a state agency, a university, an association and a housing co-operative — each
with enough employees and a board seat, and all members of K1 so that they are read.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import loaders
from gds_jobs.analysis import AnalysisOptions
from gds_jobs import runs
from gds_jobs.analysis import fit
from gds_jobs.analysis.data import data_version
from gds_jobs.jobs import run_jobs
from tests.gds_jobs.test_analysis_groups import MEMBERS, NODES, SEATS, A, B, C, D, E, F, G, build_world

OPTS = AnalysisOptions(as_of_year=2024)
NOT_FIRMS = [  # orgnr, name, form, helix, nace
    ("201000001", "RINGERIKE KOMMUNE", "KOMM", "government", "84.110"),
    ("201000002", "HØNEFOSS SKOLE", "ORGL", "government", "85.201"),
    ("201000003", "STEINERSKOLEN AS", "AS", "industry", "85.201"),
    ("201000004", "STATENS VEGVESEN", "STAT", "government", "84.130"),
    ("201000005", "UNIVERSITETET I SØRØST", "ORGL", "academia", "85.401"),
    ("201000006", "IDRETTSLAGET", "FLI", "other", "93.120"),
    ("201000007", "BORETTSLAGET", "BRL", "other", "68.201"),
]


def build(store) -> None:
    build_world(store)
    rows = [{"orgnr": o, "name": n, "employees": 50, "nace": c, "muni": "3305"} for o, n, _, _, c in NOT_FIRMS]
    store.write_batches(NODES, rows)
    for o, _, form, helix, _ in NOT_FIRMS:
        store.run("MATCH (o:Organization {orgnr: $o}) SET o.org_form = $f, o.helix = $h",
                  {"o": o, "f": form, "h": helix})
    store.write_batches(MEMBERS, [{"orgnr": o, "cluster_id": "K1"} for o, *_ in NOT_FIRMS])
    store.write_batches(SEATS, [{"person": "p1", "orgnr": o} for o, *_ in NOT_FIRMS])
    store.run("MATCH (p:Person {person_key: 'p1'}) SET p.name = 'Kari Nordmann'")


@pytest.fixture
def world(store):
    build(store)
    fit.clear_cache()
    return store


def test_default_candidates_are_firms_never_municipalities_schools_or_public_bodies(world):
    """Candidates: the active industry firms that file accounts with 5+ employees (A–G; H has 3) — none of the
    seven others, whatever their form (the school organised as AS is a firm, but education is not what a cluster
    recruits); the network behind the board parts holds firms only."""
    model = fit.model_for(world, OPTS)
    cands = set(model.ctx.universe.orgnr[model.ctx.candidates])
    assert cands == {A, B, C, D, E, F, G}
    assert not cands & {o for o, *_ in NOT_FIRMS}
    assert set(model.ctx.universe.net.orgs) & {o for o, *_ in NOT_FIRMS} == {"201000003"}  # the AS school
    for cid in model.cluster_ids:
        shown = set(fit.fit_for_cluster(world, cid, top=50, options=OPTS)["orgnr"])
        assert not shown & {o for o, *_ in NOT_FIRMS}


def test_explanations_name_persons_for_advisors_and_label_them_for_everyone_else(world):
    """D (region, 41.000) shares p1 with member A: its chain is D — p1 — A. Viewers see "board member 1" and no
    key anywhere in the row; advisors see the stored name and the key for the link to the person's page."""
    viewer = fit.fit_for_cluster(world, "Klynge En", "testregion", top=5, options=OPTS)
    assert list(viewer["orgnr"]) == [D, E]
    d = viewer.iloc[0]
    assert d["details"]["chains"][0] == [{"from": D, "to": A, "person": "board member 1", "person_key": None,
                                          "person_n": 1,
                                          "from_name": "Delta", "to_name": "Alfa"}]
    assert "board member 1" in d["explanation"] and "p1" not in json.dumps(viewer.drop(columns=["explanation"])
                                                                          .to_dict("records"), default=str)
    advisor = fit.fit_for_cluster(world, "Klynge En", "testregion", top=5, options=OPTS, show_names=True)
    step = advisor.iloc[0]["details"]["chains"][0][0]
    assert (step["person"], step["person_key"]) == ("Kari Nordmann", "p1")
    assert "Kari Nordmann" in advisor.iloc[0]["explanation"]
    with pytest.raises(Exception, match="no cluster with id or name"):
        fit.fit_for_cluster(world, "Nope", options=OPTS)


def test_firm_panel_covers_organisations_outside_the_population(world):
    """H has 3 employees (below the population) and is still scored; a member (A) is scored against the
    other members of K1 and flagged."""
    h = fit.fit_for_firm(world, "888888888", options=OPTS)
    assert set(h["cluster_id"]) == {"K1", "S1"} and not h["member"].any()
    a = fit.fit_for_firm(world, A, options=OPTS).set_index("cluster_id")
    assert bool(a.loc["K1", "member"]) and a.loc["K1", "members"] == 2 + len(NOT_FIRMS)
    with pytest.raises(Exception, match="not in the graph"):
        fit.fit_for_firm(world, "999999998", options=OPTS)


def test_the_model_is_kept_until_the_data_change(world):
    first = fit.model_for(world, OPTS)
    assert fit.model_for(world, OPTS) is first
    world.write_batches(MEMBERS, [{"orgnr": F, "cluster_id": "K1"}])
    second = fit.model_for(world, OPTS)
    assert second is not first and F not in set(second.ctx.universe.orgnr[second.ranked["K1"][0]])


def test_a_measures_run_precomputes_the_model_and_other_processes_read_it(world, tmp_path, monkeypatch, caplog):
    """The measures run saves the model of its run in the state folder; a process without it in memory (a web
    worker, a restart) reads it instead of building it, gets the same rankings, and a change of data makes a new
    file that replaces the old one; a damaged file is rebuilt."""
    monkeypatch.setattr(world, "settings", replace(world.settings, state_dir=tmp_path))
    summary = run_jobs(world, engine="local", config=runs.RunConfig.from_env(environ={}))
    assert "precompute cluster fit" in summary.steps and not summary.warnings
    saved = sorted((tmp_path / fit.SAVED_DIR).glob("*.pickle"))
    assert len(saved) == 1
    built = fit.model_for(world)  # the run's process keeps it in memory
    fit.clear_cache()

    def no_build(*a, **kw):
        raise AssertionError("the saved model should have been read")

    monkeypatch.setattr(fit, "build_model", no_build)
    read = fit.model_for(world)
    assert read is not built and read.version == data_version(world) == built.version
    assert read.ranked.keys() == built.ranked.keys()
    for cid, (rows, scores) in built.ranked.items():
        assert read.ranked[cid][0].tolist() == rows.tolist() and read.ranked[cid][1].tolist() == scores.tolist()
    assert fit.fit_for_cluster(world, "K1")["orgnr"].tolist() == [str(o) for o in
                                                                   built.ctx.universe.orgnr[built.ranked["K1"][0]]]
    monkeypatch.undo()
    monkeypatch.setattr(world, "settings", replace(world.settings, state_dir=tmp_path))

    world.write_batches(MEMBERS, [{"orgnr": F, "cluster_id": "K1"}])
    fit.clear_cache()
    second = fit.precompute(world)
    assert sorted((tmp_path / fit.SAVED_DIR).glob("*.pickle")) == [Path(second["path"])] != saved

    Path(second["path"]).write_bytes(b"not a model")
    fit.clear_cache()
    with caplog.at_level("WARNING", logger="gds_jobs.analysis.fit"):
        again = fit.model_for(world)
    assert "cannot be read" in caplog.text and F not in set(again.ctx.universe.orgnr[again.ranked["K1"][0]])
    assert fit.model_for(world) is again and Path(second["path"]).read_bytes()[:1] == b"\x80"  # saved again


def test_no_measures_run_nothing_saved(world, tmp_path, monkeypatch):
    monkeypatch.setattr(world, "settings", replace(world.settings, state_dir=tmp_path))
    fit.model_for(world)
    assert not (tmp_path / fit.SAVED_DIR).exists()
    with pytest.raises(Exception, match="no measures run"):
        fit.precompute(world)


FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "forskningsradet"


def test_evaluation_on_the_real_format_fixtures_says_what_they_allow(store, tmp_path):
    """The real-format fixtures (Enhetsregisteret units and roles, accounts, the publisher's Forskningsrådet sample,
    Innovasjon Norge awards, the clusters file): one Innovasjon Norge cluster with three linked members, of which
    one (HØNEFOSS TRELAST AS) is a candidate; it is the only candidate, so there is nothing to rank it against
    and the evaluation says so instead of printing a perfect score."""
    kw = {"progress": False, "reject_dir": tmp_path, "review_out": tmp_path / "review.csv"}
    loaders.load("reference", None, store, **kw)
    files = [("units", "units/enheter.json"), ("units", "units/enheter-bulk.csv.gz"),
             ("units", "units/enhet-910000063.json"), ("subunits", "subunits/underenheter.json"),
             ("roles", "roles/roller-totalbestand.json"), ("roles", "roles/roller-910000004.json"),
             ("accounts", "accounts/regnskap-910000004.json"), ("grants", "grants/Tildelinger-latin1.csv"),
             ("patents", "patents/patents.csv"), ("clusters", "clusters/clusters.yaml")]
    if (SHARED / "soknader2-sample.csv").exists():
        loaders.load("grants", SHARED / "soknader2-sample.csv", store, **kw)
    for kind, path in files:
        loaders.load(kind, FIX / path, store, **kw)
    ev = fit.evaluate(store, seeds=3)
    assert ev.summary.empty and ev.meta["clusters_evaluated"] == 0
    assert "Ringerike Tre Arena: 3 members in the graph, 1 of them candidates" in ev.notes[0]
    assert "Candidates: 1 " in ev.notes[0]
