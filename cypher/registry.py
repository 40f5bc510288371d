"""A registry of every Cypher text Klynge can send, so CI can lint them with Neo4j's checker.

Modules define their Cypher as module-level constants wrapped in :func:`register`;
:func:`load_all` imports every module of the packages that send Cypher, so
:func:`all_queries` then lists all of them.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import pkgutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DIALECTS = ("portable", "neo4j", "falkordb")
PACKAGES = ("cypher", "loaders", "gds_jobs")


@dataclass(frozen=True)
class Registered:
    name: str
    text: str
    dialect: str


_QUERIES: dict[str, Registered] = {}
_KLYNGES: set[str] = set()  # the text of every registered statement and query file
_RECORDED: set[str] | None = None
_USER_TEXT: contextvars.ContextVar[bool] = contextvars.ContextVar("klynge_user_text", default=False)
_CYPHER_DIR = str(Path(__file__).resolve().parent)
_TESTS_DIR = str(Path(__file__).resolve().parent.parent / "tests")


def register(name: str, text: str, *, dialect: str = "portable") -> str:
    """Record ``text`` under ``name`` and return it unchanged.

    Parameters
    ----------
    name : a unique dotted name, e.g. ``"loaders.units.merge"``.
    text : the Cypher text (values always as ``$parameters``).
    dialect : ``"portable"`` (both stores), ``"neo4j"`` or ``"falkordb"``;
        all but ``"falkordb"`` are linted as Neo4j Cypher 5.

    Raises
    ------
    ValueError
        When ``name`` is registered twice with different text or the dialect is unknown.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"dialect {dialect!r} for query {name!r} is not one of {DIALECTS}")
    key = f"{name}@{dialect}"
    old = _QUERIES.get(key)
    if old is not None and old.text != text:
        raise ValueError(f"query {name!r} ({dialect}) is registered twice with different text")
    _QUERIES[key] = Registered(name, text, dialect)
    _KLYNGES.add(text)
    return text


def own(text: str) -> str:
    """Mark ``text`` as Klynge's own statement without registering it for the linter (the query files,
    which are linted as files); returns it unchanged."""
    _KLYNGES.add(text)
    return text


def is_own(text: str) -> bool:
    """True when ``text`` is one of Klynge's own statements (registered or a query file) and is not sent as
    a user's text (inside :func:`user_text`, even an identical text counts as the user's)."""
    return text in _KLYNGES and not _USER_TEXT.get()


def load_all() -> None:
    """Import every module of the packages that send Cypher (``web`` sends none of its own)."""
    for pkg_name in PACKAGES:
        try:
            pkg = importlib.import_module(pkg_name)
        except ModuleNotFoundError:
            continue
        for mod in pkgutil.walk_packages(pkg.__path__, prefix=pkg_name + "."):
            if ".tests" in mod.name or mod.name.endswith("__main__"):
                continue
            importlib.import_module(mod.name)


def all_queries() -> list[tuple[str, str, str]]:
    """Every registered query as ``(name, text, dialect)``, sorted by name."""
    return sorted((r.name, r.text, r.dialect) for r in _QUERIES.values())


def start_recording() -> None:
    """Record the text of every query sent from now on (the test suite lints them afterwards)."""
    global _RECORDED
    if _RECORDED is None:
        _RECORDED = set()


@contextlib.contextmanager
def user_text() -> Iterator[None]:
    """Mark queries sent inside the block as users' own text (the console), which is not Klynge's Cypher."""
    token = _USER_TEXT.set(True)
    try:
        yield
    finally:
        _USER_TEXT.reset(token)


def record(text: str) -> None:
    """Called by the stores for every query they send; a no-op unless recording.

    Queries that tests send themselves (the first caller outside ``cypher/`` is in
    ``tests/``) and users' console text are not Klynge's statements and are left out.
    """
    if _RECORDED is None or _USER_TEXT.get():
        return
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_CYPHER_DIR):
        frame = frame.f_back
    if frame is not None and frame.f_code.co_filename.startswith(_TESTS_DIR):
        return
    _RECORDED.add(text)


def recorded() -> list[str]:
    """Recorded query texts that are not registered as FalkorDB-only, sorted."""
    falkor_only = {r.text for r in _QUERIES.values() if r.dialect == "falkordb"}
    portable = {r.text for r in _QUERIES.values() if r.dialect != "falkordb"}
    return sorted(t for t in (_RECORDED or set()) if t not in falkor_only or t in portable)
