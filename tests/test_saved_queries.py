"""Saved console queries: the JSON file, ownership, limits, concurrent writers; and the check before saving."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing

import pytest

from cypher.console import ConsoleQueryError, validate_query
from web import saved_queries as sq
from web.saved_queries import SavedQueryError, SavedQueryForbidden, SavedQueryNotFound


def save(state, author="kari", **kw):
    kw.setdefault("title", "Firms in Ringerike")
    kw.setdefault("description", "Active firms")
    kw.setdefault("query", "MATCH (o:Organization) RETURN o.name")
    return sq.add(state, author=author, **kw)


def test_saved_query_round_trips_with_author_and_utc_date(tmp_path):
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    q = save(tmp_path / "state", title="  Boards  ", description=" Who sits where ", query="MATCH (p:Person) RETURN p")
    assert (q.title, q.description, q.query, q.author) == ("Boards", "Who sits where", "MATCH (p:Person) RETURN p", "kari")
    created = dt.datetime.fromisoformat(q.created)
    assert q.created.endswith("Z") and before <= created <= dt.datetime.now(dt.UTC)
    assert sq.get(tmp_path / "state", q.id) == q
    data = json.loads((tmp_path / "state" / "saved_queries.json").read_text(encoding="utf-8"))
    assert data == {"version": 1, "queries": [q.to_dict()]}


def test_list_is_newest_first(tmp_path):
    a = save(tmp_path, title="a")
    data = json.loads((tmp_path / "saved_queries.json").read_text())
    data["queries"][0]["created"] = "2020-01-01T00:00:00Z"  # make the order independent of the clock
    (tmp_path / "saved_queries.json").write_text(json.dumps(data))
    b = save(tmp_path, title="b")
    assert [q.id for q in sq.list_saved(tmp_path)] == [b.id, a.id]


def test_only_the_author_or_an_admin_deletes(tmp_path):
    q1 = save(tmp_path, author="kari")
    q2 = save(tmp_path, author="kari")
    with pytest.raises(SavedQueryForbidden, match=f"saved query '{q1.id}' was saved by kari; only its author or an admin"):
        sq.delete(tmp_path, q1.id, user="ola")
    with pytest.raises(SavedQueryForbidden):
        sq.delete(tmp_path, q1.id, user=None)
    assert sq.delete(tmp_path, q1.id, user="kari") == q1
    assert sq.delete(tmp_path, q2.id, user="ola", is_admin=True) == q2
    assert sq.list_saved(tmp_path) == []
    with pytest.raises(SavedQueryNotFound, match=f"no saved query has id '{q1.id}'"):
        sq.delete(tmp_path, q1.id, user="kari")
    with pytest.raises(SavedQueryNotFound):
        sq.get(tmp_path, q1.id)


@pytest.mark.parametrize("field,value,message", [
    ("title", "   ", "needs a title"),
    ("query", "  \n ", "needs query text"),
    ("title", "t" * (sq.MAX_TITLE + 1), f"title has {sq.MAX_TITLE + 1} characters; at most {sq.MAX_TITLE}"),
    ("description", "d" * (sq.MAX_DESCRIPTION + 1), f"at most {sq.MAX_DESCRIPTION}"),
    ("query", "RETURN 1 //" + "q" * sq.MAX_QUERY, f"at most {sq.MAX_QUERY}"),
])
def test_bad_fields_are_refused_and_nothing_is_written(tmp_path, field, value, message):
    with pytest.raises(SavedQueryError, match=message):
        save(tmp_path, **{field: value})
    assert not (tmp_path / "saved_queries.json").exists()


def test_an_author_is_required(tmp_path):
    with pytest.raises(SavedQueryError, match="needs an author"):
        save(tmp_path, author="")


@pytest.mark.parametrize("content,message", [
    ("{not json", "cannot read saved queries from"),
    ('{"version": 1}', "has no 'queries' list"),
    ('{"version": 1, "queries": [{"id": "x", "title": "t"}]}', r"saved query #0 lacks field\(s\) author, created"),
])
def test_a_damaged_file_is_named_and_left_alone(tmp_path, content, message):
    (tmp_path / "saved_queries.json").write_text(content)
    with pytest.raises(SavedQueryError, match=message):
        save(tmp_path)
    assert (tmp_path / "saved_queries.json").read_text() == content
    with pytest.raises(SavedQueryError, match=str(tmp_path / "saved_queries.json") if "#0" not in message else "#0"):
        sq.list_saved(tmp_path)


def _adder(args):
    state, who, n = args
    for i in range(n):
        sq.add(state, title=f"{who}-{i}", description="", query="RETURN 1 AS one", author=who)
    return n


def test_concurrent_writers_lose_no_query(tmp_path):
    """4 processes x 25 saves each: the lock and the atomic replace keep all 100."""
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        assert sum(pool.map(_adder, [(str(tmp_path), f"u{k}", 25) for k in range(4)])) == 100
    titles = sorted(q.title for q in sq.list_saved(tmp_path))
    assert titles == sorted(f"u{k}-{i}" for k in range(4) for i in range(25))
    assert not list(tmp_path.glob(".saved_queries.*.tmp"))  # no temporary file left


# ---------------------------------------------------------------- the check before saving (no run)

@pytest.mark.parametrize("query", [
    "MATCH (o:Organization) RETURN o.name",
    "MATCH (o:Organization {orgnr: $orgnr}) RETURN o LIMIT $n",  # parameters need no value to be planned
    "MATCH p = (:Person)-[:HOLDS_ROLE]->(:Organization) RETURN p",
    "CALL db.labels() YIELD label RETURN label",
    "// a comment with CREATE in it\nRETURN 'DELETE me' AS text;",
])
def test_read_queries_pass_the_check(store, query):
    validate_query(store, query)


@pytest.mark.parametrize("query,reason", [
    ("CREATE (:Organization {orgnr: '1'})", "write"),
    ("MERGE (o:Organization {orgnr: '1'}) RETURN o", "write"),
    ("MATCH (o:Organization) SET o.name = 'x'", "write"),
    ("MATCH (o:Organization) REMOVE o.name", "write"),
    ("MATCH (o) DETACH DELETE o", "write"),
    ("UNWIND [1] AS x FOREACH (y IN [1] | CREATE (:Z))", "write"),
    ("CALL { CREATE (:Q) } RETURN 1 AS one", "write"),
    ("MATCH (o RETURN o", "failed"),
    ("LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l", "load_csv"),
    ("CALL dbms.components()", "procedure"),
    ("RETURN 1; RETURN 2", "multiple_statements"),
    ("// only a comment", "empty"),
])
def test_writes_bad_syntax_and_refusals_fail_the_check_without_running(any_store, query, reason):
    store = any_store
    before = store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    with pytest.raises(ConsoleQueryError) as info:
        validate_query(store, query)
    assert info.value.reason == reason and info.value.query == query
    assert store.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before


@pytest.mark.neo4j
@pytest.mark.parametrize("query,reason", [
    ("MATCH (o:Organization {orgnr: $orgnr}) RETURN o LIMIT $n", None),
    ("CREATE (:Organization {orgnr: '1'})", "write"),
    ("MATCH (o:Organization) SET o.name = 'x'", "write"),
    ("CALL { CREATE (:Q) } RETURN 1 AS one", "write"),
    ("MATCH (o RETURN o", "failed"),
])
def test_neo4j_check_uses_explain_classification(neo4j_settings, query, reason):
    from cypher import open_store

    store = open_store(neo4j_settings)
    try:
        if reason is None:
            validate_query(store, query)
        else:
            with pytest.raises(ConsoleQueryError) as info:
                validate_query(store, query)
            assert info.value.reason == reason
    finally:
        store.close()
