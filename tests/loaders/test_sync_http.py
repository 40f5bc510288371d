"""The syncs' HTTP client against the 127.0.0.1 mirror: User-Agent, Retry-After ceiling, persistent failures."""

from __future__ import annotations

import pytest

from bench.brreg_mirror import Fault, MirrorServer, Register
from klynge.errors import SyncError
from loaders.sync.http import MAX_RETRY_AFTER_S, Http, user_agent


@pytest.fixture
def mirror():
    with MirrorServer(Register()) as srv:
        yield srv


def test_requests_say_who_sends_them(mirror):
    seen: list[tuple[str, str]] = []
    mirror.on_request = lambda path, headers: seen.append((path, headers.get("User-Agent")))
    http = Http(timeout_s=5, retries=0, contact="drift@example.org")
    assert "klynge/" in user_agent() and "drift@example.org" in user_agent("drift@example.org")
    r = http.get(f"{mirror.base_url}/oppdateringer/roller", {"afterId": 0, "size": 10})
    assert r.status == 200 and r.json() == []
    assert seen == [("/enhetsregisteret/api/oppdateringer/roller?afterId=0&size=10", user_agent("drift@example.org"))]


def test_a_retry_after_beyond_the_ceiling_fails_at_once_instead_of_stalling_the_night(mirror):
    mirror.faults = [Fault("oppdateringer/enheter", status=503, headers={"Retry-After": str(int(MAX_RETRY_AFTER_S) + 1)})]
    with pytest.raises(SyncError, match="Retry-After"):
        Http(timeout_s=5, retries=3, backoff=0.01).get(f"{mirror.base_url}/oppdateringer/enheter", {"size": 1})
    assert len(mirror.log) == 1


def test_a_server_that_keeps_failing_is_reported_with_the_url_after_the_retries(mirror):
    mirror.faults = [Fault("/enheter/910000004", status=500, times=10)]
    with pytest.raises(SyncError, match=r"/enheter/910000004.*HTTP 500 after 2 retries"):
        Http(timeout_s=5, retries=2, backoff=0.01).get(f"{mirror.base_url}/enheter/910000004")
    assert [s for _t, _p, s in mirror.log] == [500, 500, 500]
