"""The web console: roles, query in the URL, $param fields and typing, table/graph/CSV/JSON, limits,
refusals, XSS, the audit log, saved queries (CSRF, ownership) and the query library."""

from __future__ import annotations

import csv
import html as html_lib
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest

from cypher.console import ConsoleResult, parameter_names, parse_param_value, result_graph
from klynge import audit
from web import saved_queries
from loaders.core import graph_fingerprint
from tests.web.conftest import XSS
from web import create_app

SLOW = "UNWIND range(1, 100000000) AS x WITH x WHERE x = -1 RETURN x"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def state(tmp_path):
    return tmp_path / "state"


@pytest.fixture
def make(settings, store, state):
    """``make(role, **settings)``: a test client in ``role`` (None: anonymous) with its own state directory."""

    def _make(role=None, **config):
        cfg = {"data_dir": settings.data_dir, "graph_name": settings.graph_name, "state_dir": state,
               "TESTING": True, **config}
        if role:
            cfg["KLYNGE_TEST_ROLE"] = role
        return create_app(cfg).test_client()

    return _make


@pytest.fixture
def analyst(make):
    return make("analyst")


def url(path, q, **params):
    args = {"q": q, **{f"p.{k}": v for k, v in params.items()}}
    return f"{path}?{urlencode(args)}"


def entries(state, **kw):
    return audit.read_entries(state, limit=1000, **kw)


class Scripts(HTMLParser):
    """Collects every <script> tag and inline event handler attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.handlers: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if tag == "script":
            self.scripts.append(d)
        self.handlers += [(tag, k) for k in d if k.lower().startswith("on")]


def assert_inert(html: str) -> None:
    """No script but external files and JSON data blocks; no event handler attributes; no raw payload."""
    p = Scripts()
    p.feed(html)
    assert all(s.get("src") or s.get("type") == "application/json" for s in p.scripts), p.scripts
    assert p.handlers == []
    assert "<script>alert" not in html and "<img src=x" not in html


# ---------------------------------------------------------------- roles


@pytest.mark.parametrize("path", ["/console", "/console?q=RETURN+1", "/console.json?q=RETURN+1",
                                  "/console.csv?q=RETURN+1", "/queries", "/queries.json",
                                  "/queries/organization/profile", "/admin/audit"])
def test_anonymous_visitors_are_sent_to_login_or_get_401(make, path):
    r = make(None).get(path)
    if path.endswith(".json") or ".json?" in path:
        assert r.status_code == 401
    else:
        assert r.status_code in (302, 303) and r.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["viewer", "advisor"])
@pytest.mark.parametrize("path", ["/console", "/console?q=RETURN+1", "/console.json?q=RETURN+1",
                                  "/console.csv?q=RETURN+1", "/queries", "/queries/organization/profile"])
def test_viewers_and_advisors_get_403_and_nothing_runs(make, state, role, path):
    r = make(role).get(path)
    assert r.status_code == 403
    assert "analyst role or above" in r.get_data(as_text=True)
    assert entries(state) == []


@pytest.mark.parametrize("role", ["analyst", "admin"])
def test_analysts_and_admins_use_the_console(make, role):
    r = make(role).get("/console.json?q=RETURN+1+AS+one")
    assert r.status_code == 200 and r.get_json()["rows"] == [[1]]


def test_only_admins_see_the_audit_page(make):
    assert make("analyst").get("/admin/audit").status_code == 403
    assert make("admin").get("/admin/audit").status_code == 200


# ---------------------------------------------------------------- the query in the URL, $params


def test_query_in_the_url_round_trips_into_the_editor_and_the_downloads(analyst, graph):
    graph.small()
    q = "MATCH (o:Organization)\nWHERE o.name STARTS WITH \"EQUI\" // Ærlig & 'quoted' <b>\nRETURN o.orgnr AS orgnr"
    r = analyst.get(url("/console", q))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    textarea = re.search(r'<textarea id="console-query"[^>]*>(.*?)</textarea>', html, re.DOTALL).group(1)
    assert textarea == q.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&#34;").replace("'", "&#39;")
    qs = urlencode({"q": q})
    assert f'href="/console.csv?{qs}"' in html and f'href="/console.json?{qs}"' in html
    body = analyst.get(f"/console.json?{qs}").get_json()
    assert body["query"] == q and body["rows"] == [["923609016"]]


def test_each_dollar_param_becomes_a_field_but_not_in_strings_or_comments(analyst, graph):
    graph.small()
    q = ("MATCH (o:Organization {orgnr: $orgnr}) // $in_comment\n"
         "WHERE o.name <> '$in_string' AND o.employees > $min RETURN o.name AS name, $orgnr AS again")
    html = analyst.get(url("/console", q)).get_data(as_text=True)
    assert re.findall(r'name="p\.([^"]+)"', html) == ["orgnr", "min"]
    assert 'id="console-missing"' in html and 'id="console-result"' not in html  # not run without values
    html = analyst.get(url("/console", q, orgnr='"923609016"', min="100")).get_data(as_text=True)
    assert 'id="console-result"' in html and "EQUINOR ASA" in html
    assert 'name="p.orgnr" value="&#34;923609016&#34;"' in html  # the typed text is kept


def test_parameter_scan_masks_strings_comments_and_keeps_first_use_order():
    assert parameter_names("RETURN $b, $a, $b, '$c', \"$d\" /* $e */ // $f\n, $`g`, $0") == ["b", "a", "g", "0"]


@pytest.mark.parametrize("text,value", [
    ("42", 42), ("-7", -7), ("1.5", 1.5), ("2e3", 2000.0), ("true", True), ("FALSE", False), ("null", None),
    ('["a", 1]', ["a", 1]), ('{"k": [1]}', {"k": [1]}), ('"923609016"', "923609016"), ("Oslo", "Oslo"),
    ("  spaced  ", "  spaced  "), ("[not json", None),
])
def test_parameter_values_are_typed_as_documented(text, value):
    if text == "[not json":
        with pytest.raises(Exception, match="not valid JSON"):
            parse_param_value(text)
    else:
        got = parse_param_value(text)
        assert got == value and type(got) is type(value)


def test_typed_parameters_reach_the_store_with_their_types(analyst):
    q = "RETURN $i AS i, $f AS f, $b AS b, $n AS n, $l AS l, $s AS s, $t AS t"
    body = analyst.get(url("/console.json", q, i="3", f="0.25", b="true", n="null", l='[1, "x"]',
                           s='"007"', t="plain text")).get_json()
    assert body["rows"] == [[3, 0.25, True, None, [1, "x"], "007", "plain text"]]
    assert body["params"] == {"i": 3, "f": 0.25, "b": True, "n": None, "l": [1, "x"], "s": "007", "t": "plain text"}


def test_a_bad_json_parameter_is_refused_with_the_query_kept_and_audited(analyst, state):
    q = "UNWIND $l AS x RETURN x"
    r = analyst.get(url("/console", q, l="[1, 2"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "Parameter $l" in html and "not valid JSON" in html
    assert "UNWIND $l AS x RETURN x" in html
    assert entries(state)[0]["outcome"] == "refused"


def test_missing_parameters_in_downloads_are_refused_and_audited(analyst, state):
    r = analyst.get(url("/console.json", "RETURN $x AS x"))
    assert r.status_code == 400 and "$x" in r.get_json()["error"] and r.get_json()["missing"] == ["x"]
    r = analyst.get(url("/console.csv", "RETURN $x AS x"))
    assert r.status_code == 400 and "p.<name>=<value>" in r.get_data(as_text=True)
    assert [e["outcome"] for e in entries(state)] == ["refused", "refused"]


# ---------------------------------------------------------------- table and graph


def test_nodes_paths_and_relationships_are_told_apart_and_drawn(analyst, graph):
    graph.small()
    q = ("MATCH p = (k:Person {person_key: '3f2a9c1e'})-[r:HOLDS_ROLE]->(o:Organization) "
         "RETURN p, k, r, o, o.name AS name ORDER BY name")
    body = analyst.get(url("/console.json", q)).get_json()
    assert body["kinds"] == ["path", "node", "relationship", "node", "value"]
    g = body["graph"]
    # Kari Nordmann chairs EQUINOR (LEDE) and sits on DNB's board (MEDL): SMALL in tests/web/conftest.py
    assert sorted(n["id"] for n in g["nodes"]) == ["Organization:923609016", "Organization:984851006",
                                                   "Person:3f2a9c1e"]
    assert sorted((e["source"], e["target"], e["type"], e["properties"]["role"]) for e in g["edges"]) == [
        ("Person:3f2a9c1e", "Organization:923609016", "HOLDS_ROLE", "LEDE"),
        ("Person:3f2a9c1e", "Organization:984851006", "HOLDS_ROLE", "MEDL")]  # path and a,r,b give one edge each
    assert g["unplaced"] == 0 and body["has_graph"] is True
    html = analyst.get(url("/console", q)).get_data(as_text=True)
    assert 'id="tab-graph"' in html and 'id="console-graph-data"' in html and "vendor/cytoscape.min.js" in html
    assert "(:Person {" in html and "[:HOLDS_ROLE {" in html and "(Kari Nordmann)-[:HOLDS_ROLE]-(EQUINOR ASA)" in html


def test_a_relationship_without_its_end_nodes_is_counted_not_drawn(analyst, graph):
    graph.small()
    body = analyst.get(url("/console.json", "MATCH ()-[r:IN_INDUSTRY]->() RETURN r")).get_json()
    assert body["kinds"] == ["relationship"] and body["graph"] == {"nodes": [], "edges": [], "unplaced": 2}
    assert body["has_graph"] is False
    html = analyst.get(url("/console", "MATCH ()-[r:IN_INDUSTRY]->() RETURN r")).get_data(as_text=True)
    assert 'id="console-table"' in html and 'id="tab-graph"' not in html


def test_plain_values_give_a_table_only(analyst, graph):
    graph.small()
    html = analyst.get(url("/console", "MATCH (o:Organization) RETURN o.orgnr AS orgnr ORDER BY orgnr")).get_data(
        as_text=True)
    assert re.findall(r"<td[^>]*>(\d{9})</td>", html) == ["923609016", "948007029", "971035854", "984851006"]
    assert 'id="tab-graph"' not in html and "cytoscape" not in html


def test_result_graph_keys_nodes_without_a_model_key_by_their_content():
    node = {"_kind": "node", "_labels": ["Scratch"], "x": 1}
    res = ConsoleResult(columns=("a", "b", "l"), rows=((node, dict(node), [node]),), truncated=False,
                        elapsed_ms=0.0, query="", row_cap=10, timeout_s=1.0, kinds=("node", "node", "value"))
    g = result_graph(res)
    assert len(g["nodes"]) == 1 and g["nodes"][0]["id"].startswith("n:") and g["nodes"][0]["caption"] == "Scratch"


# ---------------------------------------------------------------- downloads


def test_csv_download_has_the_exact_header_and_cells(analyst, graph):
    graph.small()
    q = ("MATCH (o:Organization {orgnr: '923609016'}) RETURN o.orgnr AS orgnr, o.name AS name, "
         "o.employees AS employees, o.active AS active, null AS nothing, [1, 2] AS list, '=HYPERLINK(1)' AS formula, "
         "2.5 AS ratio")
    r = analyst.get(url("/console.csv", q))
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == 'attachment; filename="klynge-console.csv"'
    assert (r.headers["X-Klynge-Truncated"], r.headers["X-Klynge-Row-Cap"]) == ("false", "1000")
    assert r.get_data(as_text=True) == (
        "orgnr,name,employees,active,nothing,list,formula,ratio\r\n"
        "923609016,EQUINOR ASA,21000,true,,\"[1, 2]\",'=HYPERLINK(1),2.5\r\n")


def test_csv_of_nodes_and_relationships_has_a_column_per_property(analyst, graph):
    """Finding 7: the CSV put node JSON in cells; now every property is a plain column."""
    graph.small()
    r = analyst.get(url("/console.csv", "MATCH (o:Organization {orgnr: '923609016'})-[m:MEMBER_OF]->(c:Cluster) "
                                        "RETURN c, m, o.orgnr AS orgnr"))
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["c.labels"], row["c.cluster_id"], row["c.name"], row["c.level"]) == (
        "Cluster", "ocean", "Ocean Tech Cluster", "GCE")
    assert (row["m.type"], row["m.since"], row["m.role"], row["orgnr"]) == ("MEMBER_OF", "2019", "member", "923609016")
    assert not any(v.startswith("{") for v in row.values())


def test_json_download_has_the_documented_fields(analyst, graph):
    graph.small()
    body = analyst.get(url("/console.json", "MATCH (o:Organization) RETURN o.orgnr AS orgnr ORDER BY orgnr LIMIT 2"))\
        .get_json()
    assert list(body) == ["ok", "query", "params", "columns", "kinds", "rows", "row_count", "truncated", "cut",
                          "byte_cap", "row_cap", "timeout_s", "elapsed_ms", "graph", "has_graph"]
    assert (body["columns"], body["rows"], body["row_count"], body["truncated"]) == (
        ["orgnr"], [["923609016"], ["948007029"]], 2, False)
    assert (body["row_cap"], body["timeout_s"]) == (1000, 10.0)  # klynge/config.py defaults


# ---------------------------------------------------------------- limits


def test_a_slow_query_stops_at_the_configured_timeout_with_the_setting_named(make, state):
    c = make("analyst", console_timeout_s=0.2)
    r = c.get(url("/console", SLOW))
    html = r.get_data(as_text=True)
    assert r.status_code == 504
    assert "KLYNGE_CONSOLE_TIMEOUT_S" in html and "0.2 s" in html
    assert SLOW in html  # kept in the editor and in the message box
    r = c.get(url("/console.json", SLOW))
    assert r.status_code == 504 and r.get_json()["reason"] == "timeout" and r.get_json()["query"] == SLOW
    r = c.get(url("/console.csv", SLOW))
    assert r.status_code == 504 and "KLYNGE_CONSOLE_TIMEOUT_S" in r.get_data(as_text=True)
    got = entries(state)
    assert [e["outcome"] for e in got] == ["timeout"] * 3 and all(e["query"] == SLOW for e in got)
    assert [e["endpoint"] for e in got] == ["console.console_csv", "console.console_page_json",
                                           "console.console_page"]


def test_the_row_cap_truncates_and_says_so_everywhere(make, state):
    c = make("analyst", console_max_rows=3)
    q = "UNWIND range(1, 10) AS x RETURN x"
    html = c.get(url("/console", q)).get_data(as_text=True)
    assert 'id="console-truncated"' in html and "KLYNGE_CONSOLE_MAX_ROWS" in html
    assert re.findall(r"<td[^>]*>(\d+)</td>", html) == ["1", "2", "3"]
    body = c.get(url("/console.json", q)).get_json()
    assert (body["rows"], body["truncated"], body["row_cap"]) == ([[1], [2], [3]], True, 3)
    r = c.get(url("/console.csv", q))
    assert r.get_data(as_text=True) == "x\r\n1\r\n2\r\n3\r\n" and r.headers["X-Klynge-Truncated"] == "true"
    got = entries(state)
    assert [(e["outcome"], e["rows"], e["truncated"]) for e in got] == [("truncated", 3, True)] * 3


# ---------------------------------------------------------------- refusals


WRITES = [
    "CREATE (:Organization {orgnr: '1'})",
    "MATCH (o:Organization) SET o.name = 'x'",
    "MERGE (o:Organization {orgnr: '923609016'}) ON MATCH SET o.name = 'pwned'",
    "MATCH (o) DETACH DELETE o",
    "MATCH (o:Organization) REMOVE o.name",
    "UNWIND [1] AS x FOREACH (y IN [1] | CREATE (:Z))",
    "CALL { CREATE (:Q) } RETURN 1 AS one",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l",
    "CALL dbms.components()",
    "RETURN 1; MATCH (n) DETACH DELETE n",
    "cReAtE (:X)",
]


@pytest.mark.parametrize("q", WRITES)
def test_write_attempts_are_refused_everywhere_and_the_graph_is_unchanged(analyst, graph, store, state, q):
    graph.small()
    before = graph_fingerprint(store)
    for path in ("/console", "/console.json", "/console.csv"):
        r = analyst.get(url(path, q))
        assert r.status_code == 400, (path, r.status_code)
    assert graph_fingerprint(store) == before
    got = entries(state)
    assert [e["outcome"] for e in got] == ["refused"] * 3 and all(e["message"] for e in got)
    html = analyst.get(url("/console", q)).get_data(as_text=True)
    assert "Query refused" in html and 'id="console-error"' in html


def test_a_syntax_error_is_an_error_not_a_refusal(analyst, state):
    r = analyst.get(url("/console.json", "MATCH (n RETURN n"))
    assert r.status_code == 400 and r.get_json()["reason"] == "failed"
    assert entries(state)[0]["outcome"] == "error"


# ---------------------------------------------------------------- XSS


def test_script_in_query_text_and_parameters_renders_inert(analyst, state):
    q = "RETURN '<script>alert(1)</script>' AS `<script>alert(2)</script>`, $p AS p"
    html = analyst.get(url("/console", q, p='"<img src=x onerror=alert(1)>"')).get_data(as_text=True)
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    # a refused query with a payload is echoed escaped too
    html = analyst.get(url("/console", "CREATE (:X {n: '<script>alert(3)</script>'})")).get_data(as_text=True)
    assert_inert(html)
    assert "&lt;script&gt;alert(3)" in html


def test_script_in_organisation_and_person_names_renders_inert_in_table_and_graph(analyst, graph):
    graph.xss()
    q = "MATCH p = (k:Person)-[:HOLDS_ROLE]->(o:Organization) RETURN p, k.name AS person, o"
    html = analyst.get(url("/console", q)).get_data(as_text=True)
    assert_inert(html)
    assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 1  # the table cell
    data = re.search(r'<script type="application/json" id="console-graph-data">(.*?)</script>', html, re.DOTALL).group(1)
    assert "<" not in data and "\\u003cscript\\u003e" in data  # JSON data block: no markup inside
    assert XSS in [n["caption"] for n in json.loads(data)["nodes"]]  # the graph gets the text (drawn on canvas)


def test_console_page_sets_a_csp_without_inline_scripts(analyst):
    r = analyst.get("/console")
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in r.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert_inert(r.get_data(as_text=True))


# ---------------------------------------------------------------- audit


def test_every_run_is_audited_with_who_what_rows_time_and_client(analyst, graph, state):
    graph.small()
    analyst.get(url("/console", "MATCH (o:Organization {orgnr: $o}) RETURN o.name AS n", o='"923609016"'))
    e = entries(state)[0]
    assert (e["user"], e["role"], e["ip"], e["endpoint"], e["query"], e["params"], e["rows"], e["outcome"]) == (
        "test-analyst", "analyst", "127.0.0.1", "console.console_page",
        "MATCH (o:Organization {orgnr: $o}) RETURN o.name AS n", {"o": "923609016"}, 1, "ok")
    assert e["ms"] is not None and e["ms"] >= 0 and e["message"] is None


def test_the_audit_page_lists_latest_entries_and_filters_by_user(make, state):
    for i in range(5):
        audit.record(state, user="kari" if i % 2 else "ola", query=f"RETURN {i} AS i // <script>x</script>",
                     outcome="ok", rows=1, elapsed_ms=1.0)
    admin = make("admin")
    body = admin.get("/admin/audit.json?user=kari").get_json()
    assert [e["query"].split(" //")[0] for e in body["entries"]] == ["RETURN 3 AS i", "RETURN 1 AS i"]
    body = admin.get("/admin/audit.json?limit=2").get_json()
    assert [e["query"].split(" //")[0] for e in body["entries"]] == ["RETURN 4 AS i", "RETURN 3 AS i"]
    html = admin.get("/admin/audit?user=ola").get_data(as_text=True)
    assert html.count('class="audit-ok"') == 3 and "RETURN 1 AS i" not in html
    assert_inert(html)
    assert admin.get("/admin/audit.json?limit=0").status_code == 400


# ---------------------------------------------------------------- saved queries


def token(client, path="/console?q=RETURN+1"):
    m = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert m, "no csrf_token field on the page"
    return m.group(1)


def test_saving_needs_the_csrf_token(analyst, state):
    data = {"title": "One", "description": "", "query": "RETURN 1 AS one"}
    r = analyst.post("/queries/save", data=data)
    assert r.status_code == 400 and "CSRF" in r.get_data(as_text=True)
    assert saved_queries.list_saved(state) == []
    r = analyst.post("/queries/save", data={**data, "csrf_token": token(analyst)})
    assert r.status_code == 303 and r.headers["Location"].startswith("/queries#saved-")
    [q] = saved_queries.list_saved(state)
    assert (q.title, q.query, q.author) == ("One", "RETURN 1 AS one", "test-analyst")
    html = analyst.get("/queries").get_data(as_text=True)
    assert f'id="saved-{q.id}"' in html and "test-analyst" in html and q.created in html


@pytest.mark.parametrize("q,message", [
    ("CREATE (:X)", "would change the graph"),
    ("MATCH (n RETURN n", "does not parse"),
    ("LOAD CSV FROM 'x' AS l RETURN l", "LOAD CSV is refused"),
    ("", "empty"),
])
def test_a_query_the_console_would_refuse_is_not_saved(analyst, store, state, q, message):
    before = graph_fingerprint(store)
    r = analyst.post("/queries/save", data={"title": "t", "query": q, "csrf_token": token(analyst)})
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert saved_queries.list_saved(state) == [] and graph_fingerprint(store) == before


def test_a_saved_query_opens_in_the_console_by_its_id(analyst, state):
    q = saved_queries.add(state, title="Two <b>", description="d", query="RETURN 2 AS two", author="kari")
    html = analyst.get("/queries").get_data(as_text=True)
    assert f'href="/console?saved={q.id}"' in html and "Two &lt;b&gt;" in html
    page = analyst.get(f"/console?saved={q.id}").get_data(as_text=True)
    assert 'id="saved-title"' in page and "Saved query <strong>Two &lt;b&gt;</strong> by kari" in page
    assert re.findall(r"<td[^>]*>(\d+)</td>", page) == ["2"]
    assert f'href="/console.csv?saved={q.id}"' in page
    assert analyst.get(f"/console.csv?saved={q.id}").get_data(as_text=True) == "two\r\n2\r\n"
    edited = analyst.get(f"/console?saved={q.id}&q=RETURN+3+AS+three").get_data(as_text=True)
    assert "Edited from saved query" in edited and re.findall(r"<td[^>]*>(\d+)</td>", edited) == ["3"]
    r = analyst.get("/console?saved=nope")
    assert r.status_code == 404 and "no saved query has id &#39;nope&#39;" in r.get_data(as_text=True)


def test_only_the_author_or_an_admin_deletes_a_saved_query(make, state):
    theirs = saved_queries.add(state, title="Theirs", description="", query="RETURN 1 AS one", author="someone-else")
    analyst = make("analyst")
    html = analyst.get("/queries").get_data(as_text=True)
    assert f"/queries/saved/{theirs.id}/delete" not in html  # no button for others' queries
    r = analyst.post(f"/queries/saved/{theirs.id}/delete", data={"csrf_token": token(analyst)})
    assert r.status_code == 403 and "only its author or an admin" in r.get_data(as_text=True)
    mine = saved_queries.add(state, title="Mine", description="", query="RETURN 1 AS one", author="test-analyst")
    assert analyst.post(f"/queries/saved/{mine.id}/delete").status_code == 400  # no CSRF token
    assert analyst.post(f"/queries/saved/{mine.id}/delete", data={"csrf_token": token(analyst)}).status_code == 303
    admin = make("admin")
    assert admin.post(f"/queries/saved/{theirs.id}/delete", data={"csrf_token": token(admin)}).status_code == 303
    assert saved_queries.list_saved(state) == []
    assert admin.post(f"/queries/saved/{theirs.id}/delete", data={"csrf_token": token(admin)}).status_code == 404


def test_saving_and_deleting_need_the_analyst_role(make, state):
    q = saved_queries.add(state, title="T", description="", query="RETURN 1 AS one", author="kari")
    advisor = make("advisor")
    assert advisor.post("/queries/save", data={"title": "t", "query": "RETURN 1"}).status_code in (400, 403)
    assert advisor.post(f"/queries/saved/{q.id}/delete").status_code in (400, 403)
    assert len(saved_queries.list_saved(state)) == 1


# ---------------------------------------------------------------- the library


def test_the_library_lists_read_queries_with_title_description_and_parameters(analyst):
    body = analyst.get("/queries.json").get_json()
    by_name = {q["name"]: q for q in body["library"]}
    board = by_name["organization/board"]  # cypher/queries/organization/board.cypher front-matter
    assert board["title"] == "Current board and CEO" and board["mode"] == "read"
    assert [(p["name"], p["type"], p["has_default"]) for p in board["params"]] == [
        ("orgnr", "str", False), ("include_inactive", "bool", True)]
    assert all(q["mode"] == "read" for q in body["library"])
    html = analyst.get("/queries").get_data(as_text=True)
    assert 'href="/queries/organization/board"' in html and "Current board and CEO" in html


def test_a_library_query_runs_from_its_form_through_the_console_path(analyst, graph, state):
    graph.small()
    form = analyst.get("/queries/organization/board").get_data(as_text=True)
    assert 'name="p.orgnr"' in form and 'name="p.include_inactive"' in form and 'id="console-result"' not in form
    r = analyst.get("/queries/organization/board?run=1&p.orgnr=923609016")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="console-result"' in html
    body = analyst.get("/queries/organization/board.json?run=1&p.orgnr=923609016&p.include_inactive=true").get_json()
    # SMALL: Kari (LEDE), Ola (DAGL) active; Eva (MEDL) inactive on EQUINOR
    assert sorted(body["rows"][i][0] for i in range(body["row_count"])) == ["3f2a9c1e", "7b1d0e44", "d00d0002"]
    assert body["params"] == {"orgnr": "923609016", "include_inactive": True}
    e = entries(state)[0]
    assert e["endpoint"] == "queries.library_query_page_json (organization/board)" and e["rows"] == 3
    # "Open in console" carries the values typed for the console: the orgnr stays a string
    link = re.search(r'id="open-in-console" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    again = analyst.get(link.replace("/console?", "/console.json?", 1)).get_json()
    assert again["params"] == {"orgnr": "923609016", "include_inactive": False}
    assert sorted(r[0] for r in again["rows"]) == ["3f2a9c1e", "7b1d0e44"]


def test_a_bad_library_parameter_and_an_unknown_query_are_named(analyst, state):
    r = analyst.get("/queries/organization/board.json?run=1&p.orgnr=1&p.include_inactive=maybe")
    assert r.status_code == 400 and "include_inactive must be bool" in r.get_json()["error"]
    assert entries(state)[0]["outcome"] == "refused"
    r = analyst.get("/queries/nope/nothing")
    assert r.status_code == 404 and "nope/nothing" in r.get_data(as_text=True)


def test_library_runs_use_the_console_row_cap(make, graph):
    graph.hub(persons=50)
    c = make("analyst", console_max_rows=5)
    body = c.get("/queries/organization/board.json?run=1&p.orgnr=911111111").get_json()
    assert body["truncated"] is True and body["row_count"] == 5


# ---------------------------------------------------------------- in a real browser


@pytest.mark.browser
def test_console_in_a_browser_type_run_table_graph_and_csv(settings, graph, state, tmp_path):
    """Type a query, run it with Ctrl+Enter, read the table, open the graph tab, download the CSV.

    Drives Debian's Chromium headless through Playwright, as tests/web/test_browser.py does; screenshots
    go to test-artifacts/web/console-*.png.
    """
    import os
    import shutil
    import tempfile
    import threading
    from pathlib import Path

    from werkzeug.serving import make_server

    chromium = Path("/usr/bin/chromium")
    if not chromium.exists() and not os.environ.get("CI"):
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    import playwright.sync_api as playwright_api

    artifacts = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
    artifacts.mkdir(parents=True, exist_ok=True)
    graph.small().xss()
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "state_dir": state,
                      "TESTING": True, "KLYNGE_TEST_ROLE": "analyst"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = tempfile.mkdtemp(prefix="klynge-chromium-")
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with playwright_api.sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile, executable_path=str(chromium), headless=True, accept_downloads=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                viewport={"width": 1400, "height": 900})
            try:
                page = context.new_page()
                errors: list[str] = []
                dialogs: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(base + "/console")
                q = "MATCH p = (k:Person)-[:HOLDS_ROLE]->(o:Organization) RETURN p, k.name AS person, o.name AS org"
                page.fill("#console-query", q)
                page.press("#console-query", "Control+Enter")
                page.wait_for_selector("#console-table")
                table = page.inner_text("#console-table")
                assert "Kari Nordmann" in table and XSS in table  # the payload is shown as text
                page.screenshot(path=str(artifacts / "console-1-table.png"), full_page=True)
                page.click("#tab-graph")
                page.wait_for_selector("#console-cy[data-ready='true']")
                # SMALL: 4 persons with 7 roles on 4 organisations; xss(): 1 person, 1 role, 1 organisation
                assert (page.get_attribute("#console-cy", "data-nodes"),
                        page.get_attribute("#console-cy", "data-edges")) == ("10", "8")
                assert page.is_hidden("#console-table-panel")
                page.screenshot(path=str(artifacts / "console-2-graph.png"), full_page=True)
                with page.expect_download() as dl:
                    page.click("#download-csv")
                text = Path(dl.value.path()).read_bytes().decode("utf-8")
                assert text.startswith("p,person,org\r\n") and len(text.strip().split("\r\n")) == 1 + 8
                assert errors == [] and dialogs == []
            finally:
                context.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)
    assert [e["endpoint"] for e in audit.read_entries(state)] == ["console.console_csv", "console.console_page"]


def test_with_real_logins_each_analyst_deletes_only_their_own_query(login_as, csrf_token, state):
    """Two analysts and an admin log in through /login: authors come from the session, not the form."""
    kari, ola, boss = login_as("analyst", "kari"), login_as("analyst", "ola"), login_as("admin", "boss")
    r = kari.post("/queries/save", data={"title": "Kari's", "query": "RETURN 1 AS one", "author": "ola",
                                         "csrf_token": csrf_token(kari, "/console")})
    assert r.status_code == 303
    [q] = saved_queries.list_saved(state)
    assert q.author == "kari"  # an "author" form field is ignored
    assert ola.post(f"/queries/saved/{q.id}/delete", data={"csrf_token": csrf_token(ola, "/console")}).status_code == 403
    assert kari.post(f"/queries/saved/{q.id}/delete",
                     data={"csrf_token": csrf_token(ola, "/console")}).status_code == 400  # another session's token
    assert kari.post(f"/queries/saved/{q.id}/delete",
                     data={"csrf_token": csrf_token(kari, "/console")}).status_code == 303
    q2 = saved_queries.add(state, title="Ola's", description="", query="RETURN 2 AS two", author="ola")
    assert boss.post(f"/queries/saved/{q2.id}/delete", data={"csrf_token": csrf_token(boss, "/console")}).status_code == 303
    assert saved_queries.list_saved(state) == []
    kari.get("/console?q=RETURN+3+AS+three")
    assert [(e["user"], e["role"]) for e in audit.read_entries(state)] == [("kari", "analyst")]


# ---------------------------------------------------------------- issue 16: bad parameters, cross-site links


DEEP = "[" * 5000 + "1" + "]" * 5000


@pytest.mark.parametrize("value,fragment", [
    ('{"a`b": 1}', "map key 'a`b'"), ('{"": 1}', "map key ''"), (DEEP, "nested"), (str(2 ** 70), "64-bit"),
    ('"a\\u0000b"', "NUL"), ("[" + "[" * 40 + "1" + "]" * 40 + "]", "nested deeper"),
], ids=["backtick-key", "empty-key", "deep-json", "big-int", "nul", "deep-list"])
@pytest.mark.parametrize("path", ["/console", "/console.json", "/console.csv"])
def test_every_bad_parameter_value_is_a_400_naming_it_and_is_audited(analyst, state, path, value, fragment):
    """Finding 5: these gave a 500 and were missing from the audit log."""
    r = analyst.get(url(path, "RETURN $a AS a", a=value))
    assert r.status_code == 400
    assert fragment in html_lib.unescape(r.get_data(as_text=True))
    got = entries(state)
    assert len(got) == 1 and got[0]["outcome"] == "refused" and fragment in got[0]["message"]


def test_a_bad_parameter_name_is_a_400(analyst, state):
    r = analyst.get(url("/console.json", "RETURN $bø AS a", **{"bø": "1"}))
    assert r.status_code == 400 and r.get_json()["reason"] == "parameter" and "bø" in r.get_json()["error"]
    assert entries(state)[0]["outcome"] == "refused"


CROSS = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}


def test_a_link_from_another_site_does_not_run_and_asks_to_confirm_by_post(analyst, state):
    """Finding 8: a link on another site opens the console with the query filled in, not run; the
    attempt is audited as refused; the page's Run button (a POST with the CSRF token) runs it."""
    q = "UNWIND range(1, 3) AS x RETURN x"
    r = analyst.get(url("/console", q), headers=CROSS)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="console-confirm"' in html and 'id="console-result"' not in html
    assert 'method="post"' in html and 'name="csrf_token"' in html and "UNWIND range(1, 3)" in html
    assert [(e["outcome"], e["rows"]) for e in entries(state)] == [("refused", None)]
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    ran = analyst.post("/console", data={"q": q, "csrf_token": token})
    assert ran.status_code == 200 and 'id="console-result"' in ran.get_data(as_text=True)
    assert entries(state)[0]["outcome"] == "ok" and entries(state)[0]["rows"] == 3
    assert analyst.post("/console", data={"q": q}).status_code == 400  # no CSRF token: refused


@pytest.mark.parametrize("path,status", [("/console.json", 403), ("/console.csv", 403)])
def test_downloads_from_another_site_are_refused(analyst, state, path, status):
    r = analyst.get(url(path, "RETURN 1 AS one"), headers=CROSS)
    assert r.status_code == status and "another site" in r.get_data(as_text=True)
    assert [e["outcome"] for e in entries(state)] == ["refused"]


@pytest.mark.parametrize("headers,runs", [
    ({"Sec-Fetch-Site": "same-origin"}, True), ({"Sec-Fetch-Site": "none"}, True),
    ({"Sec-Fetch-Site": "same-site"}, False), ({"Referer": "https://evil.example/page"}, False),
    ({"Referer": "http://localhost/console"}, True), ({}, True),
], ids=["same-origin", "typed", "sibling-site", "foreign-referer", "own-referer", "script"])
def test_which_requests_count_as_from_another_site(analyst, headers, runs):
    r = analyst.get(url("/console.json", "RETURN 1 AS one"), headers=headers)
    assert (r.status_code == 200) is runs and (r.status_code == 403) is (not runs)


def test_a_library_query_link_from_another_site_is_not_run(analyst, state):
    r = analyst.get("/queries/region/list?run=1", headers=CROSS)
    assert r.status_code == 200 and 'id="console-confirm"' in r.get_data(as_text=True)
    assert [e["outcome"] for e in entries(state)] == ["refused"]


def test_the_console_json_runs_by_post_with_the_csrf_header(analyst, state):
    from tests.web.conftest import csrf_token_of

    token = csrf_token_of(analyst, "/console")
    r = analyst.post("/console.json", data={"q": "RETURN $x AS x", "p.x": "7"}, headers={"X-CSRFToken": token})
    assert r.status_code == 200 and r.get_json()["rows"] == [[7]]


def test_a_huge_value_is_refused_or_cut_at_the_byte_cap(make, state):
    """Finding 2: one row of a doubled string gave a 21 MB answer."""
    c = make("analyst", console_max_bytes=100_000)
    r = c.get(url("/console.json", "RETURN reduce(s = 'x', i IN range(1, 20) | s + s) AS s"))
    assert r.status_code == 413 and r.get_json()["reason"] == "too_large" and len(r.data) < 5000
    r = c.get(url("/console.json", "UNWIND range(1, 1000) AS i RETURN reduce(s = 'x', j IN range(1, 9) | s + s) AS s"))
    body = r.get_json()
    assert r.status_code == 200 and body["truncated"] and body["cut"] == "bytes" and len(r.data) < 120_000
