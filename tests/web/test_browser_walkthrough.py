"""The advisor's walk through the app in Debian's Chromium, at desktop width and at 390 px (a phone), one test
per finding of the walk-through that found the app wanting (issue 17, findings 1–7).

The graph is a small synthetic Norway (``klynge synth``, its measures computed) with the names that need
folding (tests/web/conftest.py NORWEGIAN) and an accounting firm keeping the books of 40 organisations, served
by the app on a free loopback port. Screenshots of the main pages at both widths are written to
``test-artifacts/web/walkthrough/`` (``<page>-desktop.png`` / ``<page>-phone.png``) for a reviewer.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from tests.web.conftest import NORWEGIAN

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "web" / "walkthrough"
VENDOR = ROOT / "web" / "static" / "vendor" / "cytoscape.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}
UNITS = 2500

if not CHROMIUM.exists() and not os.environ.get("CI"):  # CI installs chromium: there a missing one fails
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium, or `make setup-browser`)",
                allow_module_level=True)
import playwright.sync_api as playwright_api  # noqa: E402 - pinned in requirements-dev.txt

_ids = itertools.count()

#: An accounting firm with 40 clients, one of them the example organisation (finding 3).
ACCOUNTANT = """
MATCH (e:Organization {orgnr: $orgnr})
CREATE (r:Organization:Firm {orgnr: '977000001', name: 'REGNSKAPSKONTORET ØST AS', name_key: 'regnskapskontoret ost',
        helix: 'industry', active: true, employees: 30})
CREATE (r)-[:HOLDS_ROLE {role: 'REGN', role_group: 'REGN', active: true}]->(e)
WITH r
MATCH (c:Organization) WHERE c.active = true AND c.orgnr <> $orgnr AND c.orgnr <> '977000001'
WITH r, c ORDER BY c.orgnr LIMIT 39
CREATE (r)-[:HOLDS_ROLE {role: 'REGN', role_group: 'REGN', active: true}]->(c)
"""


@pytest.fixture(scope="module")
def site(falkor_dir, tmp_path_factory):
    """The app over a synthetic Norway on a loopback port (an admin: every page and every name shown)."""
    import gds_jobs
    import loaders
    from werkzeug.serving import make_server

    from cypher import library, open_store
    from klynge.config import load_settings
    from loaders.synth import generate
    from web import create_app

    assert VENDOR.exists(), "web/static/vendor is not built: run `make setup`"
    folder = tmp_path_factory.mktemp("walk-synth")
    generate(folder, UNITS, 11)
    settings = load_settings({"data_dir": falkor_dir, "graph_name": f"walkthrough{next(_ids)}"}, environ={})
    store = open_store(settings)
    store.init_schema()
    server = thread = None
    state = tmp_path_factory.mktemp("walk-state")
    old_state = os.environ.get("KLYNGE_STATE_DIR")
    os.environ["KLYNGE_STATE_DIR"] = str(state)
    try:
        loaders.load("reference", None, store, progress=False)
        loaders.load("synthetic", folder, store, progress=False)
        store.run(NORWEGIAN)
        store.init_schema()  # the migration writes the name keys of the organisations made with Cypher
        example = library.run(store, "organization/example", {"limit": 1})[0]
        store.run(ACCOUNTANT, {"orgnr": example["orgnr"]})
        gds_jobs.run_jobs(store, engine="local")
        app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True,
                          "KLYNGE_TEST_ROLE": "admin"})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield {"base": f"http://127.0.0.1:{server.server_port}", "example": example, "store": store}
    finally:
        if server is not None:
            server.shutdown()
            thread.join(timeout=10)
        if old_state is None:
            os.environ.pop("KLYNGE_STATE_DIR", None)
        else:
            os.environ["KLYNGE_STATE_DIR"] = old_state
        store.wipe()
        store.close()


@pytest.fixture(scope="module")
def chromium():
    profile = tempfile.mkdtemp(prefix="klynge-chromium-")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(profile, executable_path=str(CHROMIUM), headless=True,
                                                       args=ARGS, accept_downloads=True)
        try:
            yield context
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium):
    """A page at desktop width or at 390 px, in English unless a test asks for Bokmål; closed afterwards."""
    yield from _page(chromium, request.param)


@pytest.fixture
def desktop_page(chromium):
    """A page at desktop width only, for what does not depend on the width (exports)."""
    yield from _page(chromium, "desktop")


def _page(chromium, width: str):
    pg = chromium.new_page()
    pg.set_viewport_size(VIEWPORTS[width])
    pg.set_extra_http_headers({"Accept-Language": "en"})
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.width_name = width  # type: ignore[attr-defined]
    pg.klynge_errors = errors  # type: ignore[attr-defined]
    try:
        yield pg
        assert errors == [], errors
    finally:
        pg.context.clear_cookies()  # the language switch's cookie stays with the test that set it
        pg.close()


def wait_js(page, expression: str, timeout_s: float = 30.0) -> None:
    """Wait until ``expression`` is true in the page (polled with evaluate: the app's CSP forbids the eval
    that Playwright's wait_for_function uses)."""
    import time

    end = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}-{page.width_name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1, page.url


def phone(page) -> bool:
    return page.width_name == "phone"


# ------------------------------------------------------------------ 1. Norwegian names


@pytest.mark.parametrize("typed,name", [("sørensen", "BYGG ASTRID SØRENSEN"), ("kafe", "RINGERIKE KAFÉ AS"),
                                        ("krodsherad", "KRØDSHERAD KOMMUNE")])
def test_1_search_finds_norwegian_names_in_any_spelling(site, page, typed, name):
    page.goto(site["base"] + "/search?q=" + typed)
    assert name in page.inner_text("#search-results")
    no_sideways_scroll(page)
    if typed == "krodsherad":
        shot(page, "search")


def test_1_the_big_search_box_on_the_home_page_has_type_ahead(site, page):
    page.goto(site["base"] + "/")
    shot(page, "home")
    example = site["example"]
    assert example["name"] in page.inner_text("#home-example")  # the example exists in this graph
    page.fill("#home-search", "soerensen og")
    page.wait_for_selector("#home-search-list li")
    assert "SØRENSEN OG SØNN AS" in page.inner_text("#home-search-list")
    if not phone(page):
        shot(page, "home-typeahead")
    page.click("#home-search-list li")
    page.wait_for_url("**/org/931000005")
    no_sideways_scroll(page)


# ------------------------------------------------------------------ 2. path finder from the profile


def test_2_the_profile_path_button_opens_a_form_and_finds_a_path_by_names(site, page):
    ex = site["example"]
    page.goto(site["base"] + f"/org/{ex['orgnr']}")
    page.click("#path-link")
    page.wait_for_selector("#path-form")
    assert page.input_value("#path-from") == ex["name"]
    assert "Error" not in page.title()
    partner = site["store"].read(
        "MATCH (e:Organization {orgnr: $o})<-[:HOLDS_ROLE {role_group: 'STYR'}]-(:Person)-[:HOLDS_ROLE "
        "{role_group: 'STYR'}]->(x:Organization) WHERE x.orgnr <> $o AND x.name IS NOT NULL "
        "RETURN x.name AS name, x.orgnr AS orgnr ORDER BY x.orgnr LIMIT 1", {"o": ex["orgnr"]})[0]
    page.fill("#path-to", partner["name"][:12])
    page.wait_for_selector("#path-to-list li")
    page.click(f"#path-to-list li[data-key='{partner['orgnr']}']")
    assert page.input_value("#path-to") == partner["name"]
    page.click("#path-submit")
    page.wait_for_selector("#path-cy[data-ready='true']")
    summary = page.inner_text("#path-summary")
    assert ex["name"] in summary and partner["name"] in summary
    steps = page.inner_text("#path-list")
    assert "Board member" in steps or "Chair of the board" in steps  # role names, not codes
    assert "REGNSKAPSKONTORET" not in steps  # board and CEO ties only
    shot(page, "path")
    no_sideways_scroll(page)


# ------------------------------------------------------------------ 3. explorer ties


def test_3_the_default_explorer_follows_board_and_ceo_and_shows_auditors_apart_on_request(site, page):
    ex = site["example"]
    page.goto(site["base"] + f"/org/{ex['orgnr']}/explore?depth=2")
    page.wait_for_selector("#graph-status:has-text('nodes')")
    default = page.evaluate(f"fetch('/org/{ex['orgnr']}/network.json?depth=2').then(r => r.json())")
    groups = {e.get("role_group") for e in default["edges"] if e["type"] == "HOLDS_ROLE"}
    assert groups and groups <= {"STYR", "DAGL"} and "977000001" not in {n["key"] for n in default["nodes"]}
    assert page.evaluate("window.klyngeExplorer.cy.getElementById('977000001').length") == 0
    if phone(page):
        page.click("#drawer-toggle")
    page.check("#advisory-check")
    page.click("#network-form button[type=submit]")
    wait_js(page, "window.klyngeExplorer.cy.edges('[?advisory]').length > 0")
    assert page.evaluate("window.klyngeExplorer.cy.getElementById('977000001').length") == 1
    # one count of ties: the side panel says what the drawing shows
    page.evaluate("window.klyngeExplorer.select(window.klyngeExplorer.cy.getElementById('977000001'))")
    drawn = page.evaluate("window.klyngeExplorer.cy.getElementById('977000001').connectedEdges(\"[kind != 'more']\").length")
    shown = page.evaluate("""[...document.querySelectorAll('#side .side-facts dt')]
        .filter(dt => dt.textContent === 'Ties in the drawing').map(dt => dt.nextElementSibling.textContent)""")
    assert shown == [str(drawn)]
    assert "Auditor or accountant".lower() in page.inner_text("#legend").lower()


# ------------------------------------------------------------------ 4. incremental layout, labels, phones


def test_4_expanding_a_node_keeps_the_drawn_nodes_in_place(site, page):
    ex = site["example"]
    page.goto(site["base"] + f"/org/{ex['orgnr']}/explore")
    page.wait_for_selector("#graph-status:has-text('nodes')")
    before = page.evaluate("Object.fromEntries(window.klyngeExplorer.cy.nodes().map(n => [n.id(), n.position()]))")
    target = page.evaluate("window.klyngeExplorer.cy.nodes(\"[kind = 'person']\").first().id()")
    count = len(before)
    page.evaluate(f"window.klyngeExplorer.expand(window.klyngeExplorer.cy.getElementById({json.dumps(target)}))")
    wait_js(page, f"window.klyngeExplorer.cy.nodes().length > {count}")
    after = page.evaluate("Object.fromEntries(window.klyngeExplorer.cy.nodes().map(n => [n.id(), n.position()]))")
    moved = [((after[k]["x"] - p["x"]) ** 2 + (after[k]["y"] - p["y"]) ** 2) ** 0.5 for k, p in before.items()
             if k in after]
    assert len(moved) >= count - 1 and max(moved) < 10, max(moved)
    # labels: readable size on screen, none drawn over another
    font = page.evaluate("parseFloat(window.klyngeExplorer.cy.nodes(\"[kind != 'more']\").first().renderedStyle('font-size'))")
    assert font >= 9.5
    shot(page, "explorer")
    if phone(page):
        cy_box = page.locator("#cy").bounding_box()
        assert cy_box["y"] < 320 and cy_box["height"] >= 340  # the canvas first (under the top bar), and tall
        assert not page.locator("#network-form").is_visible()  # controls wait in the drawer
        legend = page.locator("#legend-box").bounding_box()
        assert legend["y"] >= cy_box["y"] + cy_box["height"] - 1  # the legend is below the canvas, not over it
        page.click("#drawer-toggle")
        assert page.locator("#network-form").is_visible()
    no_sideways_scroll(page)


def test_4_png_export_has_no_hover_fades_and_graphml_carries_the_measures(site, desktop_page):
    """Exports do not depend on the width: tested at desktop width."""
    page = desktop_page
    ex = site["example"]
    page.goto(site["base"] + f"/org/{ex['orgnr']}/explore")
    page.wait_for_selector("#graph-status:has-text('nodes')")
    page.evaluate("window.klyngeExplorer.highlight(window.klyngeExplorer.cy.nodes().first())")
    faded = page.evaluate("window.klyngeExplorer.cy.elements('.faded').length")
    with page.expect_download() as dl:
        page.click("#export-png")
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.evaluate("window.klyngeExplorer.cy.elements('.faded').length") == faded  # restored after
    with page.expect_download() as dl:
        page.click("#export-graphml")
    graphml = Path(dl.value.path()).read_text()
    assert 'attr.name="constraint"' in graphml and '<data key="m_degree">' in graphml


# ------------------------------------------------------------------ 5. region analysis


def test_5_region_analysis_has_one_chart_per_figure_and_readable_tables(site, page):
    page.set_extra_http_headers({"Accept-Language": "nb"})
    page.goto(site["base"] + "/region/ringeriksregionen/analysis", timeout=120_000)
    figures = page.evaluate("fetch('/region/ringeriksregionen/analysis.json').then(r => r.json())")["charts"]
    numbers = [f["number"] for f in figures]
    assert {"Fig. 8", "Fig. 9", "Fig. 10", "Fig. 11", "Fig. 12", "Fig. 13", "Fig. 14", "Fig. 15",
            "Table 5", "Table 6"} <= set(numbers)
    drawn = page.eval_on_selector_all("figure.chart", "els => els.map(e => e.dataset.figure)")
    assert sorted(drawn) == sorted(numbers)
    assert page.eval_on_selector_all("figure.chart svg", "els => els.length") == len(numbers)
    text = page.inner_text("main")
    for raw in ("p_mannwhitney", "ci_low", "spill_linked", "P MANNWHITNEY", "CI LOW", "SPILL LINKED"):
        assert raw not in text
    page.click("#table-compare_constraint summary")
    head = page.inner_text("#data-compare_constraint thead") if not phone(page) else ""
    if head:
        assert "KI, nedre" in head or "ki, nedre" in head.lower()
    shot(page, "region-analysis")
    no_sideways_scroll(page)


# ------------------------------------------------------------------ 6. the profile


def test_6_the_profile_speaks_plainly(site, page):
    ex = site["example"]
    page.goto(site["base"] + f"/org/{ex['orgnr']}")
    measures = page.inner_text("#measures")
    assert "It has more" not in measures and "It has more constrained" not in measures
    board = page.inner_text("#board-table")
    for code in ("DAGL", "LEDE", "MEDL"):
        assert code not in board.split()
    assert "Chair of the board" in board or "Board member" in board
    since = page.eval_on_selector_all("#board-table tbody tr td:nth-child(3)", "els => els.map(e => e.innerText)")
    assert since and any(s.strip() not in ("", "–") for s in since)
    source = page.inner_text("#facts-source")
    assert "Enhetsregisteret" in source and "brreg_units" not in source
    zeros = site["store"].read(
        "MATCH (m:MeasureValue) WHERE m.eigenvector = 0 WITH m.orgnr AS o LIMIT 1 "
        "MATCH (x:Organization {orgnr: o}) RETURN x.orgnr AS orgnr")
    if zeros:
        page.goto(site["base"] + f"/org/{zeros[0]['orgnr']}")
        eig = page.inner_text("#measures")
        assert "not in the connected core" in eig and "closer to the core than" not in eig
    page.wait_for_selector("#cluster-fit[data-ready='true']", timeout=60_000)
    shot(page, "profile")
    no_sideways_scroll(page)


# ------------------------------------------------------------------ 7. language, icon, phones, tables, console


def test_7_norwegian_by_browser_language_english_by_the_switch_and_a_favicon(site, page):
    page.set_extra_http_headers({"Accept-Language": "nb-NO,nb;q=0.9"})
    page.goto(site["base"] + "/")
    assert page.get_attribute("html", "lang") == "nb"
    assert "Hvem henger sammen med hvem" in page.inner_text("h1")
    shot(page, "home-nb")
    if phone(page):
        page.click("#navtoggle")
    page.click("#langswitch a[lang='en']")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en" and "Who is connected" in page.inner_text("h1")
    icon = page.get_attribute("link[rel='icon']", "href")
    assert page.request.get(site["base"] + icon).status == 200
    assert page.request.get(site["base"] + "/favicon.ico").status == 200
    page.context.clear_cookies()


@pytest.mark.parametrize("path", ["/status", "/status/data", "/clusters", "/regions"])
def test_7_pages_fit_a_phone(site, page, path):
    page.goto(site["base"] + path)
    no_sideways_scroll(page)
    if path == "/status":
        shot(page, "status")


def test_7_a_long_console_query_wraps_in_the_audit_log_and_the_console_is_readable(site, page):
    long_query = "MATCH (o:Organization) WHERE o.name STARTS WITH 'A' " + " OR ".join(
        f"o.orgnr = '{900000000 + i}'" for i in range(400)) + " RETURN o LIMIT 5"
    for query in (long_query, "MATCH (o:Organization)-[r:HOLDS_ROLE]-(p:Person) RETURN o, r, p LIMIT 60"):
        page.goto(site["base"] + "/console")
        page.fill("#console-query", query)
        page.click("#console-run")
        page.wait_for_selector("#console-result, #console-error")
    page.click("#tab-graph")
    page.wait_for_selector("#console-cy[data-ready='true']")
    font = page.evaluate("window.klyngeConsoleCy.nodes().first().renderedStyle('font-size')")
    assert float(font.rstrip("px")) >= 9.5
    shot(page, "console")
    page.goto(site["base"] + "/admin/audit")
    assert page.locator("#audit-table").count() == 1
    shot(page, "audit")
    no_sideways_scroll(page)
    # the table wraps inside its panel: a 20,000-character query no longer makes it wider than the page
    assert page.evaluate("(t => t.scrollWidth <= t.parentElement.clientWidth + 1)(document.getElementById('audit-table'))")


def test_7_the_query_library_can_be_searched(site, page):
    page.goto(site["base"] + "/queries")
    total = int(page.inner_text("#library-count"))
    page.fill("#library-filter", "shortest")
    shown = int(page.inner_text("#library-count"))
    assert 0 < shown < total
    assert all("shortest" in t.lower() for t in page.eval_on_selector_all(
        "tr.library-query:not([hidden])", "els => els.map(e => e.innerText)"))
    no_sideways_scroll(page)
