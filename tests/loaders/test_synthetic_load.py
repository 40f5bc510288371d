"""`load synthetic`: a folder from loaders.synth.generate is loaded through the real-format loaders."""

from __future__ import annotations

import json

import pytest

import loaders
from klynge.errors import LoadError


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory):
    synth = pytest.importorskip("loaders.synth")
    d = tmp_path_factory.mktemp("synth")
    synth.generate(d, 500, 11)
    return d


def test_synthetic_folder_loads_every_file_and_marks_nodes(store, synth_dir, tmp_path):
    manifest = json.loads((synth_dir / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    s = loaders.load("synthetic", synth_dir, store, progress=False, reject_dir=tmp_path,
                     review_out=tmp_path / "review.csv")
    extra = dict(s.extra)
    assert extra["units_json"]["read"] == counts["units"]
    assert extra["subunits_json"]["read"] == counts["subunits"]
    assert extra["roles_json"]["read"] == counts["role_rows"]
    assert extra["accounts_jsonl"]["read"] == counts["accounts_filings"]
    assert extra["grants_forskningsradet"]["read"] == counts["grants_forskningsradet"]
    import yaml

    from loaders.sources.clusters import slug

    names = [slug(c["name"]) for c in yaml.safe_load((synth_dir / "clusters.yaml").read_text(encoding="utf-8"))
             ["clusters"]]
    duplicates = len(names) - len(set(names))  # the generator can repeat a name; the loader rejects repeats
    assert s.rejected == extra["clusters"]["rejected"] == duplicates
    c = store.counts()["labels"]
    assert c["Cluster"] == len(names) - duplicates
    assert c["Grant"] == counts["grants_forskningsradet"] + counts["grants_innovasjon_norge"]
    assert c["Accounts"] == counts["accounts_filings"]
    assert extra["assessments"]["created"] == counts["assessments"] > 0 and extra["assessments"]["rejected"] == 0
    unmarked = store.read("MATCH (n) WHERE (n:Organization OR n:Person OR n:Accounts OR n:Grant OR n:Cluster "
                          "OR n:Assessment) AND n.synthetic IS NULL RETURN count(n) AS n")
    assert unmarked == [{"n": 0}]
    before = store.counts()
    s2 = loaders.load("synthetic", synth_dir, store, progress=False, reject_dir=tmp_path,
                      review_out=tmp_path / "review.csv")
    assert (s2.created, s2.updated, s2.unchanged) == (0, 0, s.created)
    after = store.counts()
    after["labels"].pop("LoadRun")
    before["labels"].pop("LoadRun")
    assert after == before


def test_folder_without_synthetic_manifest_is_refused(store, tmp_path):
    (tmp_path / "manifest.json").write_text('{"synthetic": false}', encoding="utf-8")
    with pytest.raises(LoadError, match="synthetic"):
        loaders.load("synthetic", tmp_path, store, progress=False)
