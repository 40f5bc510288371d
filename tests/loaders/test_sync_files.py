"""`klynge sync files`: configured grant and patent files are loaded again only when their content changed.

Local files are compared by SHA-256; URLs are asked with If-None-Match (the 127.0.0.1 mirror answers
304 for the ETag it gave). Fixture files are the loaders' own (tests/fixtures/loaders).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.brreg_mirror import MirrorServer, Register
from klynge.errors import ConfigError
from loaders.sync import read_config, sync_files
from loaders.sync.files import FileSource
from loaders.sync.http import Http

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "loaders"


def patents(store) -> int:
    return store.read("MATCH (p:Patent) RETURN count(p) AS n")[0]["n"]


def test_a_local_file_is_loaded_again_only_when_its_checksum_changes(any_store, tmp_path):
    f = tmp_path / "patents.csv"
    shutil.copy(FIX / "patents" / "patents.csv", f)
    cfg = tmp_path / "sync.yaml"
    cfg.write_text(f"files:\n  - kind: patents\n    location: {f}\n", encoding="utf-8")
    first = sync_files(any_store, config=cfg, reject_dir=tmp_path / "rej")
    assert [r.status for r in first.feeds] == ["ok"] and first.feeds[0].created > 0
    n = patents(any_store)
    assert sync_files(any_store, config=cfg, reject_dir=tmp_path / "rej").feeds[0].status == "unchanged"
    with open(f, "a", encoding="utf-8") as fh:
        fh.write('910000004,HØNEFOSS TRELAST AS,20250099,2025-06-01,"Ny søknad"\n')
    third = sync_files(any_store, config=cfg, reject_dir=tmp_path / "rej")
    assert third.feeds[0].status == "ok" and patents(any_store) == n + 1


def test_a_url_is_asked_with_its_etag_and_loaded_only_when_it_changed(any_store, tmp_path):
    reg = Register()
    reg.files["/files/patents.csv"] = (FIX / "patents" / "patents.csv").read_bytes()
    http = Http(timeout_s=5, retries=1, backoff=0.01)
    with MirrorServer(reg) as srv:
        src = [FileSource("patents", f"{srv.root}/files/patents.csv")]
        first = sync_files(any_store, sources=src, http=http, download_dir=tmp_path / "dl", reject_dir=tmp_path / "r")
        second = sync_files(any_store, sources=src, http=http, download_dir=tmp_path / "dl", reject_dir=tmp_path / "r")
        statuses = [s for _t, p, s in srv.log]
        reg.files["/files/patents.csv"] += '910000004,HØNEFOSS TRELAST AS,20250098,2025-06-02,"Endret"\n'.encode()
        third = sync_files(any_store, sources=src, http=http, download_dir=tmp_path / "dl", reject_dir=tmp_path / "r")
    assert (first.feeds[0].status, second.feeds[0].status, third.feeds[0].status) == ("ok", "unchanged", "ok")
    assert statuses == [200, 304]
    assert third.feeds[0].created >= 1


@pytest.mark.parametrize("text,message", [
    ("files:\n  - kind: units\n    location: x.json\n", "kind 'units'"),
    ("files:\n  - kind: grants\n    location: x.csv\n", "needs source"),
    ("files: nope\n", "list under `files:`"),
])
def test_a_bad_file_list_names_the_file_and_the_entry(tmp_path, text, message):
    cfg = tmp_path / "sync.yaml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_config(cfg)
