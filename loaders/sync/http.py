"""Polite HTTP for the syncs: one ``requests`` client with timeouts, retries and a descriptive User-Agent.

* **Retries** (urllib3 ``Retry`` on the client's adapters): connection errors, read timeouts
  and the answers 429, 500, 502, 503 and 504 are retried up to ``retries`` times with
  exponential backoff (``backoff`` × 2ⁿ seconds, at most 60 s). A ``Retry-After`` header on
  429 and 503 is honoured, up to :data:`MAX_RETRY_AFTER_S` (a longer wait fails the request,
  so one answer cannot stall the nightly run).
* **Bodies that end early** — the connection drops before ``Content-Length`` bytes arrived,
  or the JSON is cut off — are fetched again (``retries`` times, same backoff): urllib3
  retries only up to the response head.
* **Timeouts**: connect and read (``KLYNGE_HTTP_TIMEOUT_S``); no request waits forever.
* **User-Agent**: ``klynge/<version> (…)`` with the operator's contact when
  ``KLYNGE_HTTP_CONTACT`` is set.

The service's rules for clients are not published in our sources (data-sources.md §1.1); the
syncs therefore send one request at a time on one kept-alive connection.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from klynge import __version__
from klynge.errors import SyncError

RETRY_STATUSES = (429, 500, 502, 503, 504)
MAX_RETRY_AFTER_S = 300.0
"""Longest ``Retry-After`` the client waits; a server asking for more fails the request."""
BACKOFF_MAX_S = 60.0


class _PoliteRetry(Retry):
    """urllib3's Retry with a ceiling on the ``Retry-After`` it honours."""

    def get_retry_after(self, response: Any) -> float | None:
        after = super().get_retry_after(response)
        if after is not None and after > MAX_RETRY_AFTER_S:
            raise SyncError(f"{response.geturl() if hasattr(response, 'geturl') else 'the server'} asked to wait "
                            f"{after:.0f} s (Retry-After); the limit is {MAX_RETRY_AFTER_S:.0f} s. "
                            "Try again later; nothing after this point was applied.")
        return after


def user_agent(contact: str | None = None) -> str:
    """``klynge/<version> (Triple Helix graph; nightly sync of public registers[; contact])``."""
    extra = f"; {contact}" if contact else ""
    return (f"klynge/{__version__} (Triple Helix graph of Norwegian business registers; nightly sync{extra}) "
            f"python-requests/{requests.__version__}")


@dataclass
class Reply:
    """A finished response: status, headers and the whole body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class Http:
    """A polite HTTP client (see the module docstring).

    Parameters
    ----------
    timeout_s : read timeout in seconds (the connect timeout is the smaller of this and 10 s).
    retries : retries per request for connection errors, 429/5xx and cut-off bodies.
    backoff : backoff factor in seconds (the n-th retry waits ``backoff * 2**(n-1)``).
    contact : the operator's contact for the User-Agent (``KLYNGE_HTTP_CONTACT``).
    """

    def __init__(self, *, timeout_s: float = 60.0, retries: int = 5, backoff: float = 1.0,
                 contact: str | None = None) -> None:
        self.timeout = (min(10.0, timeout_s), timeout_s)
        self.retries = retries
        self.backoff = backoff
        self.requests = 0
        self.client = requests.Session()
        retry = _PoliteRetry(total=retries, connect=retries, read=retries, status=retries, other=0,
                             backoff_factor=backoff, backoff_max=BACKOFF_MAX_S,
                             status_forcelist=RETRY_STATUSES, allowed_methods=frozenset({"GET", "HEAD"}),
                             respect_retry_after_header=True, raise_on_status=False)
        adapter = HTTPAdapter(max_retries=retry, pool_connections=1, pool_maxsize=2)
        self.client.mount("http://", adapter)
        self.client.mount("https://", adapter)
        self.client.headers.update({"User-Agent": user_agent(contact), "Accept": "application/json"})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def get(self, url: str, params: Mapping[str, Any] | None = None, *, ok: tuple[int, ...] = (200,),
            headers: Mapping[str, str] | None = None, parse_json: bool = True) -> Reply:
        """GET ``url``; returns the reply when its status is in ``ok`` (parsed JSON checked when
        ``parse_json``).

        Raises
        ------
        SyncError
            When the server cannot be reached, keeps answering 429/5xx, answers another status,
            or keeps sending a body that ends early — after the retries; the message names the URL.
        """
        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(BACKOFF_MAX_S, self.backoff * 2 ** (attempt - 1)))
            self.requests += 1
            try:
                r = self.client.get(url, params=params, timeout=self.timeout, headers=headers)
                body = r.content  # the whole body: a dropped connection raises here
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                last = f"the response body ended early ({exc.__class__.__name__})"
                continue
            except requests.exceptions.RetryError as exc:
                raise SyncError(f"GET {url} failed after {self.retries} retries: {_reason(exc)}; "
                                "the server keeps refusing or failing; try again later") from exc
            except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
                raise SyncError(f"GET {url} failed: cannot reach the server ({_reason(exc)}) after "
                                f"{self.retries} retries; check the address (--base-url) and the network") from exc
            except requests.exceptions.RequestException as exc:
                raise SyncError(f"GET {url} failed: {exc}; check the address (--base-url)") from exc
            full = r.url
            if r.status_code in RETRY_STATUSES:
                raise SyncError(f"GET {full} answered HTTP {r.status_code} after {self.retries} retries; "
                                "the service is unavailable or limiting requests; try again later")
            if r.status_code not in ok:
                raise SyncError(f"GET {full} answered HTTP {r.status_code}; expected "
                                f"{' or '.join(map(str, ok))}: {body[:200]!r}")
            expected = r.headers.get("Content-Length")
            if expected is not None and expected.isdigit() and int(expected) != len(body) and \
                    not r.headers.get("Content-Encoding"):
                last = f"the response body has {len(body)} of {expected} bytes"
                continue
            reply = Reply(full, r.status_code, r.headers, body)
            if parse_json and r.status_code == 200:
                try:
                    reply.json()
                except orjson.JSONDecodeError as exc:
                    last = f"the response is not complete JSON ({exc})"
                    continue
            return reply
        raise SyncError(f"GET {url} failed {self.retries + 1} times: {last}; try again later")


def _reason(exc: BaseException) -> str:
    inner = exc.args[0] if exc.args else exc
    reason = getattr(inner, "reason", None)
    return str(reason or inner)
