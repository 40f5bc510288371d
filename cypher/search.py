"""Name search over organisations, persons and clusters on either store.

Norwegian names are found by a **name key**: :func:`name_key` folds a name to
lower-case ASCII words (æ → ae, ø → o, å → a, é → e, "aa" → a, "oe" → o, legal
forms such as AS/ASA dropped, punctuation removed). The loaders store it as the
``name_key`` property when they write a name, ``klynge db init`` fills it in on
graphs loaded before it existed (:func:`backfill_name_keys`), and every search
folds the user's text with the same function, so "sørensen", "Sorensen" and
"soerensen" all meet "BYGG ASTRID SØRENSEN".

:func:`find` ranks candidates in tiers — the whole key equal (exact), the key
starting with the typed key (prefix), every typed word starting a word of the
key (words), and near spellings (fuzzy, edit distance 1–2 found by the store's
fulltext engine and scored with rapidfuzz) — then active before inactive, larger
(employees) first. Fulltext differs per store (Lucene on Neo4j, RediSearch on
FalkorDB); :mod:`cypher.dialect` owns its statements and query syntax. User text
never reaches the query syntax: it is reduced to folded letters-and-digits
tokens first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from cypher import dialect
from cypher.registry import register

#: Organisation numbers are nine digits; a query of only digits searches orgnr prefixes too.
ORGNR_DIGITS = 9

#: Legal-form words left out of a name key (Enhetsregisteret's organisation forms and common spellings).
LEGAL_FORMS = frozenset({
    "as", "asa", "sa", "ba", "ans", "da", "ks", "sf", "iks", "kf", "nuf", "enk", "stiftelse", "sti", "fli",
    "bbl", "brl", "a/s", "a.s", "a.s.", "asa.", "as.",
})

_LETTERS = {"æ": "ae", "ä": "ae", "ø": "o", "ö": "o", "å": "a", "ß": "ss", "þ": "th", "ð": "d", "đ": "d",
            "ł": "l", "œ": "oe"}
_SPLIT = re.compile(r"[^0-9a-z/.]+")
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits with single spaces: the form both the key and a query use.

    Norwegian letters are written out (æ → ae, ø → o, å → a), other accents dropped
    (é → e, ü → u), and the older spellings "aa" (for å) and "oe" (for ø) reduced the
    same way, so either spelling folds to one form. Legal forms are kept (see
    :func:`name_key`).
    """
    t = unicodedata.normalize("NFKC", text or "").casefold()
    t = "".join(_LETTERS.get(ch, ch) for ch in t)
    t = "".join(ch for ch in unicodedata.normalize("NFKD", t) if not unicodedata.combining(ch))
    words = []
    for w in _SPLIT.split(t):
        w = w.strip("./")
        if not w:
            continue
        while "aa" in w or "oe" in w:  # to a fixed point, so folding twice changes nothing
            w = w.replace("aa", "a").replace("oe", "o")
        words.append(w)
    return " ".join(words)


def name_key(name: str | None) -> str | None:
    """The folded, normalised key of a name, stored as ``name_key`` and compared by every search.

    Case, Norwegian letters and accents are folded (:func:`fold`); legal-form words
    (AS, ASA, SA, ANS, DA, NUF …) and punctuation are dropped. A name made only of
    legal-form words keeps them, so it still has a key.

    Parameters
    ----------
    name : a display name as registered, e.g. "BYGG ASTRID SØRENSEN", "Ringerike Kafé AS".

    Returns
    -------
    str or None
        E.g. "bygg astrid sorensen", "ringerike kafe"; None for a missing or empty name.

    Examples
    --------
    >>> name_key("RINGERIKE KAFÉ AS"), name_key("Krødsherad kommune"), name_key("Aasen & Søn A/S")
    ('ringerike kafe', 'krodsherad kommune', 'asen son')
    """
    if not name or not str(name).strip():
        return None
    tokens = fold(str(name)).split()  # may hold "/" and "." ("a/s", "a.s.")
    words = [w for t in tokens if t not in LEGAL_FORMS for w in _WORD.findall(t)]
    kept = [w for w in words if w not in LEGAL_FORMS]  # "x.as" splits into "x" and "as"
    key = kept or words or [w for t in tokens for w in _WORD.findall(t)]
    return " ".join(key) or None


def query_words(text: str) -> list[str]:
    """The folded words of what a user typed (legal forms dropped unless nothing else is left)."""
    key = name_key(text)
    return key.split() if key else []


@dataclass(frozen=True)
class Hit:
    """One search hit: the node's business key, its display name, rank score, match tier and properties."""

    kind: str
    key: str
    name: str | None
    score: float
    props: dict[str, Any]
    match: str = "words"  # exact | prefix | words | fuzzy | number


KINDS = {"organization": ("Organization", "orgnr"), "person": ("Person", "person_key"),
         "cluster": ("Cluster", "cluster_id")}
TIERS = {"number": 0, "exact": 0, "prefix": 1, "words": 2, "fuzzy": 3}

#: Exact name-key lookups (range index on ``name_key``), one per searchable label.
EXACT = {label: register(f"cypher.search.exact.{label}",
                         f"MATCH (n:{label}) WHERE n.name_key = $key RETURN n AS node LIMIT $limit")
         for label, _ in KINDS.values()}


def _rows_to_hits(kind: str, rows: Iterable[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], float]]:
    key = KINDS[kind][1]
    out: dict[str, tuple[dict[str, Any], float]] = {}
    for row in rows:
        node = row.get("node") or {}
        props = {k: v for k, v in node.items() if not k.startswith("_")}
        if props.get(key) is None:
            continue
        k = str(props[key])
        if k not in out:
            out[k] = (props, float(row.get("score") or 0.0))
    return out


def _fulltext(store: Any, label: str, q: str | None, limit: int, timeout_s: float | None) -> list[dict[str, Any]]:
    if not q:
        return []
    return store.read(dialect.fulltext_statement(store.backend),
                      {"index": dialect.fulltext_index(store.backend, label), "q": q, "limit": limit},
                      timeout_s=timeout_s)


def organisations_by_words(store: Any, name: str, *, min_length: int = 3, limit: int = 200,
                           timeout_s: float | None = None) -> list[tuple[str, str]]:
    """(orgnr, name) of organisations whose name holds any word of ``name`` (words of at least
    ``min_length`` characters, each looked up in the store's fulltext index, up to ``limit`` hits a word):
    the candidates a loader's name matching scores."""
    out: dict[str, str] = {}
    for word in dict.fromkeys(t for t in dialect.fulltext_terms(name_key(name) or "") if len(t) >= min_length):
        for r in _fulltext(store, "Organization", dialect.fulltext_query(store.backend, word), limit, timeout_s):
            node = r["node"]
            if node.get("name"):
                out[node["orgnr"]] = node["name"]
    return list(out.items())


def tier_of(query_key: str, key: str | None) -> str | None:
    """How a stored name key matches a folded query: exact, prefix, words, or None (not by words)."""
    if not key:
        return None
    if key == query_key:
        return "exact"
    if key.startswith(query_key):
        return "prefix"
    words = key.split()
    if all(any(w.startswith(q) for w in words) for q in query_key.split()):
        return "words"
    return None


def similarity(query_key: str, key: str | None) -> float:
    """rapidfuzz similarity (0–100) of a folded query and a name key: the better of the whole-string
    ratio and the best partial match of the query inside the key."""
    from rapidfuzz import fuzz

    if not key:
        return 0.0
    return float(max(fuzz.ratio(query_key, key), fuzz.partial_ratio(query_key, key),
                     fuzz.token_set_ratio(query_key, key)))


#: Least rapidfuzz similarity of a fuzzy hit (below it a near spelling is noise).
FUZZY_MIN = 75.0


def find(store: Any, kind: str, text: str, *, limit: int = 20, candidates: int | None = None,
         timeout_s: float | None = 5.0) -> list[Hit]:
    """Nodes of ``kind`` whose name matches ``text``, best first.

    Parameters
    ----------
    store
        A :class:`cypher.store.GraphStore`.
    kind
        "organization", "person" or "cluster".
    text
        What the user typed: a name in any spelling, or (organisations) 1–9 digits of an orgnr.
    limit
        Most hits returned (1–1000).
    candidates
        Fulltext candidates read before ranking (default: ``max(4 * limit, 50)``, at most 1000).

    Returns
    -------
    list[Hit]
        Ranked by tier (orgnr or exact key > key prefix > all words as prefixes > fuzzy), then
        active before inactive, more employees first, closer spelling, name. Empty when the
        text has no letters or digits.

    Raises
    ------
    ValueError
        For an unknown ``kind`` or a ``limit`` outside 1–1000.

    Notes
    -----
    Three reads at most: the exact key (range index on ``name_key``), the words as prefixes
    (fulltext on ``name``, ``name_key`` and, for organisations, ``orgnr``), and — only when
    those found fewer than ``limit`` — near spellings (fulltext fuzzy terms, edit distance 1 for
    words of 4–6 letters, 2 from 7).
    """
    if kind not in KINDS:
        raise ValueError(f"search kind {kind!r} is unknown; use one of {sorted(KINDS)}")
    if not 1 <= limit <= 1000:
        raise ValueError(f"search limit {limit} is outside 1-1000")
    label, keyprop = KINDS[kind]
    want = min(1000, candidates or max(4 * limit, 50))
    if kind == "organization" and is_orgnr_prefix(text):
        digits = normalise_orgnr(text)
        found = _rows_to_hits(kind, _fulltext(store, label, dialect.fulltext_query(store.backend, digits), want,
                                              timeout_s))
        hits = [Hit(kind, k, p.get("name"), s, p, "number") for k, (p, s) in found.items()
                if str(k).startswith(digits)]
        if hits:
            return _rank(hits, digits)[:limit]
    qkey = name_key(text)
    if not qkey:
        return []
    found = _rows_to_hits(kind, store.read(EXACT[label], {"key": qkey, "limit": want}, timeout_s=timeout_s))
    for k, v in _rows_to_hits(kind, _fulltext(store, label, dialect.fulltext_query(store.backend, qkey), want,
                                              timeout_s)).items():
        found.setdefault(k, v)
    hits = []
    for k, (p, s) in found.items():
        t = tier_of(qkey, p.get("name_key") or name_key(p.get("name")))
        if t is None:  # a fulltext hit on a word of the display name the key folds differently
            t = "words"
        hits.append(Hit(kind, k, p.get("name"), s, p, t))
    if len(hits) < limit:
        fuzzy = _rows_to_hits(kind, _fulltext(store, label, dialect.fulltext_fuzzy_query(store.backend, qkey), want,
                                              timeout_s))
        for k, (p, s) in fuzzy.items():
            if k in found:
                continue
            key = p.get("name_key") or name_key(p.get("name"))
            t = tier_of(qkey, key)  # the tier follows the key, whichever query found the node
            if t is not None:
                hits.append(Hit(kind, k, p.get("name"), s, p, t))
            elif similarity(qkey, key) >= FUZZY_MIN:
                hits.append(Hit(kind, k, p.get("name"), s, p, "fuzzy"))
    return _rank(hits, qkey)[:limit]


def _rank(hits: list[Hit], qkey: str) -> list[Hit]:
    def sort_key(h: Hit) -> tuple:
        p = h.props
        active = p.get("active")
        employees = p.get("employees")
        try:
            size = float(employees) if employees is not None else -1.0
        except (TypeError, ValueError):
            size = -1.0
        sim = similarity(qkey, p.get("name_key") or name_key(h.name)) if h.match != "number" else 100.0
        return (TIERS[h.match], 1 if active is False else 0, -size, -sim, (h.name or "").casefold(), h.key)

    ranked = sorted(hits, key=sort_key)
    n = len(ranked)
    return [replace(h, score=float(n - i)) for i, h in enumerate(ranked)]


def is_orgnr_prefix(text: str) -> bool:
    """True when ``text`` (spaces removed) is 1–9 digits, i.e. could be the start of an orgnr."""
    t = text.replace(" ", "")
    return t.isdigit() and 0 < len(t) <= ORGNR_DIGITS


def normalise_orgnr(text: str) -> str:
    """An organisation number as typed ("923 609 016") in its stored form ("923609016")."""
    return text.replace(" ", "").strip()


# ------------------------------------------------------------------ keys on graphs loaded before them

#: Every named node of a label with its stored key (for :func:`backfill_name_keys`).
NAMES = {label: register(f"cypher.search.names.{label}",
                         f"MATCH (n:{label}) WHERE n.name IS NOT NULL "
                         f"RETURN n.{key} AS key, n.name AS name, n.name_key AS name_key")
         for label, key in KINDS.values()}
SET_KEYS = {label: register(f"cypher.search.set_keys.{label}",
                            f"UNWIND $rows AS row MATCH (n:{label} {{{key}: row[0]}}) SET n.name_key = row[1]")
            for label, key in KINDS.values()}


def backfill_name_keys(store: Any, *, batch_size: int = 5000, timeout_s: float | None = 600.0) -> dict[str, int]:
    """Write ``name_key`` where it is missing or stale (a graph loaded before keys, or a changed :func:`name_key`).

    Idempotent: a second call writes nothing. Returns the number of nodes updated per label.
    """
    out: dict[str, int] = {}
    for label, _key in KINDS.values():
        rows = store.read(NAMES[label], timeout_s=timeout_s)
        todo = [[r["key"], k] for r in rows if (k := name_key(r["name"])) != r.get("name_key")]
        if todo:
            store.write_batches(SET_KEYS[label], todo, batch_size=batch_size)
        out[label] = len(todo)
    return out
