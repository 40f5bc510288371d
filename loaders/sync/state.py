"""Where each sync stands (``SyncState`` nodes) and what a sync did (:class:`FeedResult`, :class:`SyncSummary`).

A feed's cursor — the id and time of the last update applied — is written only after every
change up to it is in the graph, in a statement of its own. A sync killed at any point
therefore starts again at or before the first change it had not finished; re-applying a
change writes the same values (the loaders' writes are idempotent), so every change ends up
applied exactly once in effect.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cypher.statements.sync import ALL_STATES, READ_STATE, WRITE_STATE

if TYPE_CHECKING:
    from cypher.store import GraphStore


def read_state(store: GraphStore, feed: str) -> dict[str, Any]:
    """The stored state of ``feed`` (empty when it never ran)."""
    rows = store.read(READ_STATE, {"feed": feed})
    return dict(rows[0]["state"]) if rows else {}


def all_states(store: GraphStore) -> list[dict[str, Any]]:
    """Every feed's stored state, by feed name."""
    return [dict(r["state"]) for r in store.read(ALL_STATES)]


def write_state(store: GraphStore, feed: str, props: Mapping[str, Any]) -> None:
    """Set properties of ``feed``'s state (None removes a property)."""
    store.run(WRITE_STATE, {"feed": feed, "props": dict(props)})


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class FeedResult:
    """What one feed (or file) did in one sync.

    ``status``: ``ok``, ``unchanged`` (a file whose content was loaded before), ``failed``,
    ``not_started`` (no cursor and no start given) or ``skipped`` (an earlier feed failed).
    ``events`` counts update items read; ``by_type`` splits them by change type (Ny, Endring,
    Sletting, Fjernet for units; the CloudEvents type suffix for roles); ``fetched`` counts
    documents read from the per-unit endpoints; ``created``/``updated``/``unchanged``/``rejected``
    are the loader's counts; ``removed`` counts units or sub-units deleted on legal grounds.
    """

    feed: str
    status: str = "ok"
    events: int = 0
    by_type: dict[str, int] = field(default_factory=dict)
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: int = 0
    cursor_before: Any = None
    cursor: Any = None
    cursor_time: str | None = None
    duration_s: float = 0.0
    error: str | None = None
    reject_file: str | None = None
    load_id: str | None = None

    @property
    def applied(self) -> int:
        """Changes written: nodes or relationships created or updated, and units removed."""
        return self.created + self.updated + self.removed

    def line(self) -> str:
        head = f"{self.feed}: {self.status}"
        if self.status in ("ok", "failed") and (self.events or self.fetched or self.applied):
            types = ", ".join(f"{k} {v}" for k, v in sorted(self.by_type.items()))
            head += (f" — {self.events} events ({types or 'none'}), {self.fetched} fetched, created {self.created}, "
                     f"updated {self.updated}, unchanged {self.unchanged}, removed {self.removed}, "
                     f"rejected {self.rejected}")
        if self.cursor is not None or self.cursor_time:
            head += f"; cursor {self.cursor_before} → {self.cursor}" + (f" ({self.cursor_time})" if self.cursor_time else "")
        head += f" in {self.duration_s:.1f} s"
        if self.reject_file and self.rejected:
            head += f"; rejects in {self.reject_file}"
        if self.error:
            head += f"\n  {self.error}"
        return head

    def short(self) -> dict[str, Any]:
        """The few numbers the run record keeps."""
        return {"status": self.status, "events": self.events, "by_type": dict(self.by_type),
                "applied": self.applied, "created": self.created, "updated": self.updated,
                "removed": self.removed, "rejected": self.rejected, "cursor": self.cursor,
                "duration_s": round(self.duration_s, 3), "error": self.error}


@dataclass
class SyncSummary:
    """Every feed and file of one sync."""

    feeds: list[FeedResult] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def status(self) -> str:
        if not self.feeds:
            return "nothing_configured"
        bad = [f for f in self.feeds if f.status in ("failed", "not_started", "skipped")]
        return "ok" if not bad else "failed"

    @property
    def applied(self) -> int:
        return sum(f.applied for f in self.feeds)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.feeds)

    @property
    def exit_code(self) -> int:
        """1 when a feed failed or was not started, 3 when rows were rejected, else 0."""
        if self.status == "failed":
            return 1
        return 3 if self.rejected else 0

    def describe(self) -> str:
        lines = [f"sync {self.status}: {self.applied} changes applied, {self.rejected} rejected in "
                 f"{self.duration_s:.1f} s"]
        lines += ["  " + f.line() for f in self.feeds]
        return "\n".join(lines)

    def short(self) -> dict[str, Any]:
        """The summary kept in the nightly run's record (JSON-serialisable)."""
        return {"status": self.status, "applied": self.applied, "rejected": self.rejected,
                "duration_s": round(self.duration_s, 3), "feeds": {f.feed: f.short() for f in self.feeds}}


def summary_json(result: FeedResult) -> str:
    return json.dumps(result.short(), ensure_ascii=False, sort_keys=True)
