"""Absorptive-capacity assessments in the graph: record, edit, import and read them, with their edit history.

The model (``cypher/schema/model.py``)::

    (:Assessment {assessment_id, orgnr, instrument, instrument_version, interview_date, advisor, status,
                  items, answers, acquisition, assimilation, transformation, exploitation, acap,
                  rd_competence, external_collaboration, network_experience, plans, notes, revision,
                  source, as_of, synthetic})-[:ASSESSES]->(:Organization)
    (:AssessmentRevision {revision_id, assessment_id, revision, at, username, role, action, changes, source})
        -[:REVISION_OF]->(:Assessment)

Every write creates the assessment (or changes it) and its revision node in one statement, so the
history never misses a change and a failed write leaves neither. An edit names the revision it was
made on: it applies only when that is still the current one (``WHERE a.revision = …``), and the
revision's unique ``revision_id`` stops a second edit of the same revision on Neo4j, where two
transactions may read the same revision before either writes. Updates remove the changed
properties before setting them (FalkorDB can keep a stale value when one statement sets several
properties, some to null).

Confidential: who may call these is the caller's business (the web app lets advisors and above;
the loader and the report run with the store's own access); :mod:`klynge.audit` records each use.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cypher.registry import register
from cypher.schema.model import ASSESSMENT_SCORES, ASSESSMENT_THEMES
from klynge.assessments import Answers, answers_of, message, new_id
from klynge.errors import KlyngeError, QueryError

#: The properties an edit or an import sets (everything but the key, the organisation and the provenance).
FIELDS: tuple[str, ...] = ("instrument", "instrument_version", "interview_date", "advisor", "status", "items",
                           "answers", *ASSESSMENT_SCORES, *ASSESSMENT_THEMES)
PROVENANCE: tuple[str, ...] = ("source", "as_of", "synthetic")
WEB_SOURCE = "web"


class AssessmentNotFound(KlyngeError):
    """No assessment with that id (or no organisation with that orgnr) is in the graph."""


class AssessmentConflict(KlyngeError):
    """The assessment was changed by someone else since the edited revision was read."""

    def __init__(self, message: str, current: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.current = dict(current or {})


_SET_ALL = ", ".join(f"{f}: row.{f}" for f in (*FIELDS, *PROVENANCE))
_REVISION = """
CREATE (r:AssessmentRevision {revision_id: row.assessment_id + ':' + toString(row.revision),
        assessment_id: row.assessment_id, revision: row.revision, at: row.at, username: row.username,
        role: row.role, action: row.action, changes: row.changes, source: row.source})
CREATE (r)-[:REVISION_OF]->(a)
RETURN a.assessment_id AS assessment_id, a.revision AS revision"""

CREATE = register("cypher.assessments.create", f"""
UNWIND $rows AS row
MATCH (o:Organization {{orgnr: row.orgnr}})
CREATE (a:Assessment {{assessment_id: row.assessment_id, orgnr: row.orgnr, revision: row.revision,
        _hash: row.hash, {_SET_ALL}}})
CREATE (a)-[:ASSESSES]->(o)
WITH a, row
{_REVISION}
""")

UPDATE = register("cypher.assessments.update", f"""
UNWIND $rows AS row
MATCH (a:Assessment {{assessment_id: row.assessment_id}})
WHERE a.revision = row.revision - 1
REMOVE {", ".join(f"a.{f}" for f in (*FIELDS, *PROVENANCE))}
SET {", ".join(f"a.{f} = row.{f}" for f in (*FIELDS, *PROVENANCE))}, a.revision = row.revision,
    a._hash = coalesce(row.hash, a._hash)
WITH a, row
{_REVISION}
""")

_RETURN = ("a.assessment_id AS assessment_id, a.orgnr AS orgnr, o.name AS organization_name, "
           + ", ".join(f"a.{f} AS {f}" for f in FIELDS) + ", a.revision AS revision, a.source AS source, "
           "a.as_of AS as_of, a.synthetic AS synthetic")

GET = register("cypher.assessments.get", f"""
MATCH (a:Assessment {{assessment_id: $assessment_id}})
OPTIONAL MATCH (a)-[:ASSESSES]->(o:Organization)
RETURN {_RETURN}
""")

CURRENT = register("cypher.assessments.current", f"""
UNWIND $ids AS id
MATCH (a:Assessment {{assessment_id: id}})
OPTIONAL MATCH (a)-[:ASSESSES]->(o:Organization)
RETURN {_RETURN}, a._hash AS hash
""")

FOR_ORGANIZATION = register("cypher.assessments.for_organization", f"""
MATCH (o:Organization {{orgnr: $orgnr}})<-[:ASSESSES]-(a:Assessment)
RETURN {_RETURN}
ORDER BY a.interview_date DESC, a.revision DESC, a.assessment_id DESC
""")

HISTORY = register("cypher.assessments.history", """
MATCH (r:AssessmentRevision {assessment_id: $assessment_id})
RETURN r.revision AS revision, r.at AS at, r.username AS username, r.role AS role, r.action AS action,
       r.changes AS changes, r.source AS source
ORDER BY r.revision DESC
""")

KNOWN_ORGANIZATIONS = register("cypher.assessments.known_organizations", """
UNWIND $orgnrs AS key
MATCH (o:Organization {orgnr: key})
RETURN o.orgnr AS orgnr
""")

COUNT = register("cypher.assessments.count", "MATCH (a:Assessment) RETURN count(a) AS n")


def now() -> str:
    """UTC time of a change, as stored in ``AssessmentRevision.at``."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["answers_by_item"] = answers_of(out.get("items"), out.get("answers"))
    return out


def get(store: Any, assessment_id: str) -> dict[str, Any] | None:
    """One assessment with its organisation's name and ``answers_by_item``; None when unknown."""
    rows = store.read(GET, {"assessment_id": assessment_id})
    return _plain(rows[0]) if rows else None


def for_organization(store: Any, orgnr: str) -> list[dict[str, Any]]:
    """An organisation's assessments, newest interview first (drafts included)."""
    return [_plain(r) for r in store.read(FOR_ORGANIZATION, {"orgnr": orgnr})]


def latest_final(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Of :func:`for_organization`'s rows, the newest final one (the one the profile and the report use)."""
    return next((dict(r) for r in rows if r.get("status") == "final"), None)


def history(store: Any, assessment_id: str) -> list[dict[str, Any]]:
    """The changes of an assessment, newest first; ``changes`` decoded to ``{field: [before, after]}``."""
    out = []
    for r in store.read(HISTORY, {"assessment_id": assessment_id}):
        r = dict(r)
        try:
            r["changes"] = json.loads(r.get("changes") or "{}")
        except ValueError:
            r["changes"] = {"?": [None, r.get("changes")]}
        out.append(r)
    return out


def current(store: Any, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored state (with the import ``hash``) of each id that exists."""
    ids = sorted(set(ids))
    return {r["assessment_id"]: dict(r) for r in store.read(CURRENT, {"ids": ids})} if ids else {}


def known_organizations(store: Any, orgnrs: Iterable[str]) -> set[str]:
    """The orgnrs of ``orgnrs`` that are organisations in the graph."""
    keys = sorted(set(orgnrs))
    return {r["orgnr"] for r in store.read(KNOWN_ORGANIZATIONS, {"orgnrs": keys})} if keys else set()


def count(store: Any) -> int:
    """How many assessments the graph holds."""
    return int(store.read(COUNT)[0]["n"])


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field of :data:`FIELDS` that differs (answers per item)."""
    before = before or {}
    out: dict[str, list[Any]] = {}
    old_answers = answers_of(before.get("items"), before.get("answers"))
    new_answers = answers_of(after.get("items"), after.get("answers"))
    for item in sorted(set(old_answers) | set(new_answers), key=lambda i: (i not in new_answers, i)):
        if old_answers.get(item) != new_answers.get(item):
            out[item] = [old_answers.get(item), new_answers.get(item)]
    for f in FIELDS:
        if f in ("items", "answers"):
            continue
        a, b = before.get(f), after.get(f)
        if isinstance(a, float) and isinstance(b, float) and abs(a - b) < 1e-12:
            continue
        if a != b:
            out[f] = [a, b]
    return out


def row(assessment_id: str, orgnr: str, properties: Mapping[str, Any], *, revision: int, username: str | None,
        role: str | None, action: str, change: Mapping[str, Any], source: str, as_of: str | None,
        synthetic: bool | None = None, hash_: str | None = None, at: str | None = None) -> dict[str, Any]:
    """One row of :data:`CREATE` or :data:`UPDATE` (``revision`` is the new revision number)."""
    out = {f: properties.get(f) for f in FIELDS}
    out.update({"assessment_id": assessment_id, "orgnr": orgnr, "revision": revision, "source": source,
                "as_of": as_of, "synthetic": True if synthetic else None, "hash": hash_, "at": at or now(),
                "username": username, "role": role, "action": action,
                "changes": json.dumps(change, ensure_ascii=False, sort_keys=True)})
    return out


def create_rows(store: Any, rows: list[dict[str, Any]]) -> list[str]:
    """Create assessments (and their first revision) from :func:`row` rows; returns the ids created (rows
    whose organisation is missing create nothing)."""
    return [r["assessment_id"] for r in store.run(CREATE, {"rows": rows})] if rows else []


def update_rows(store: Any, rows: list[dict[str, Any]]) -> list[str]:
    """Apply edits from :func:`row` rows whose ``revision - 1`` is still current; returns the ids changed."""
    return [r["assessment_id"] for r in store.run(UPDATE, {"rows": rows})] if rows else []


def record(store: Any, orgnr: str, answers: Answers, *, username: str | None, role: str | None,
           source: str = WEB_SOURCE) -> dict[str, Any]:
    """Record a new assessment of ``orgnr`` (revision 1) and return it as :func:`get` reads it.

    Raises
    ------
    AssessmentNotFound
        When no organisation has that orgnr.
    """
    props = answers.properties()
    aid = new_id()
    r = row(aid, orgnr, props, revision=1, username=username, role=role, action="create",
            change=changes(None, props), source=source, as_of=answers.interview_date)
    if not create_rows(store, [r]):
        raise AssessmentNotFound(f"no organisation with orgnr {orgnr} is in the graph; nothing was recorded")
    got = get(store, aid)
    assert got is not None
    return got


def edit(store: Any, assessment_id: str, answers: Answers, *, revision: int, username: str | None,
         role: str | None, source: str = WEB_SOURCE) -> dict[str, Any]:
    """Change an assessment that is still at ``revision``; returns it as :func:`get` reads it.

    An edit that changes nothing writes nothing (no empty revision).

    Raises
    ------
    AssessmentNotFound
        When the assessment is gone.
    AssessmentConflict
        When someone saved another revision since ``revision`` was read; ``current`` holds theirs.
    """
    before = get(store, assessment_id)
    if before is None:
        raise AssessmentNotFound(f"no assessment {assessment_id} is in the graph")
    if before["revision"] != revision:
        raise AssessmentConflict(_conflict(assessment_id, revision, before["revision"]), before)
    props = answers.properties()
    change = changes(before, props)
    if not change:
        return before
    r = row(assessment_id, before["orgnr"], props, revision=revision + 1, username=username, role=role,
            action="update", change=change, source=source, as_of=answers.interview_date,
            synthetic=before.get("synthetic"))
    try:
        done = update_rows(store, [r])
    except QueryError:  # the unique revision_id: another edit of the same revision won
        done = []
    if not done:
        now_row = get(store, assessment_id)
        raise AssessmentConflict(_conflict(assessment_id, revision, (now_row or {}).get("revision")), now_row)
    after = get(store, assessment_id)
    assert after is not None
    return after


def _conflict(assessment_id: str, mine: int, theirs: Any) -> str:
    return message("assessment %(id)s was changed by someone else while you edited it (you started from "
                   "revision %(mine)s; it is now at revision %(theirs)s); nothing was saved. Open it again to see "
                   "the change, then make yours.", id=assessment_id, mine=mine, theirs=theirs)
