"""The advisor's journey in a real browser: search → profile → explorer → expand → path finder → PNG export.

Drives Debian's Chromium headless through Playwright against the app served on a
free loopback port (werkzeug in a thread) over the test graph. Screenshots are
saved under test-artifacts/web/ for a human to look at.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import os
from pathlib import Path

import pytest

from tests.web.conftest import XSS
from web import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
VENDOR = ROOT / "web" / "static" / "vendor" / "cytoscape.min.js"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists() and not os.environ.get("CI"):  # CI installs chromium: there a missing one fails
    pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium, or `make setup-browser`)",
                allow_module_level=True)
import playwright.sync_api as playwright_api  # noqa: E402 - pinned in requirements-dev.txt


@pytest.fixture
def live_server(settings, graph):
    """The app on a free loopback port in a thread, stopped in finally."""
    from werkzeug.serving import make_server

    assert VENDOR.exists(), "web/static/vendor is not built: run `make setup` (cd web/frontend && npm ci && npm run build)"
    graph.small().xss().hub(persons=60)
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True,
                      "KLYNGE_TEST_ROLE": "advisor"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page():
    """A fresh headless Chromium page with its own profile directory; closed in finally."""
    profile = tempfile.mkdtemp(prefix="klynge-chromium-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=str(CHROMIUM), headless=True, args=ARGS,
            viewport={"width": 1400, "height": 900}, accept_downloads=True)
        try:
            pg = context.new_page()
            errors: list[str] = []
            pg.on("pageerror", lambda exc: errors.append(str(exc)))
            pg.klynge_errors = errors  # type: ignore[attr-defined]
            yield pg
        finally:
            context.close()
            shutil.rmtree(profile, ignore_errors=True)


def test_search_profile_explore_expand_path_and_export(live_server, page):
    base = live_server
    page.goto(base + "/")
    page.screenshot(path=str(ARTIFACTS / "01-home.png"), full_page=True)

    # type-ahead in the top bar
    page.fill("#typeahead", "equin")
    page.wait_for_selector("#typeahead-list li")
    assert "EQUINOR ASA" in page.inner_text("#typeahead-list")
    page.screenshot(path=str(ARTIFACTS / "02-typeahead.png"))

    # the search page with filters and counts
    page.goto(base + "/search?q=asa")
    assert "2 organisations" in page.inner_text("#result-count")
    page.screenshot(path=str(ARTIFACTS / "03-search.png"), full_page=True)

    # profile
    page.click("a:has-text('EQUINOR ASA')")
    page.wait_for_url("**/org/923609016")
    assert page.inner_text("#org-name") == "EQUINOR ASA"
    assert "Kari Nordmann" in page.content()
    page.screenshot(path=str(ARTIFACTS / "04-profile.png"), full_page=True)
    page.wait_for_selector("#cluster-fit .note, #cluster-fit .fit-list")  # loaded after the page
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "04b-profile-phone.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scrolling
    page.set_viewport_size({"width": 1400, "height": 900})

    # explorer: the ego network draws, then a person is expanded
    page.click("#explore-link")
    page.wait_for_selector("#graph-status:has-text('nodes')")
    before = page.evaluate("window.klyngeExplorer.cy.nodes(\"[kind != 'more']\").length")
    page.click("#node-list a[data-key='3f2a9c1e']")
    page.click("#expand-node")
    page.wait_for_selector("#side :text('DNB BANK ASA')")
    assert page.evaluate("window.klyngeExplorer.cy.nodes(\"[kind != 'more']\").length") > before
    assert page.evaluate("window.klyngeExplorer.cy.getElementById('984851006').length") == 1
    page.screenshot(path=str(ARTIFACTS / "05-explorer-expanded.png"))

    # measure styling switches the legend
    page.select_option("#measure-select", "constraint")
    assert "Constraint" in page.inner_text("#legend")

    # PNG export downloads a real PNG
    with page.expect_download() as dl:
        page.click("#export-png")
    png = Path(dl.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    (ARTIFACTS / "explorer-export.png").write_bytes(png)

    with page.expect_download() as dl:
        page.click("#export-graphml")
    graphml = Path(dl.value.path()).read_text()
    assert "<graphml" in graphml and 'id="923609016"' in graphml

    # path finder
    page.goto(base + f"/path?from=923609016&to=971035854")
    page.wait_for_selector("#path-cy[data-ready='true']")
    assert "shortest connection" in page.inner_text("#path-summary")
    page.screenshot(path=str(ARTIFACTS / "06-path.png"), full_page=True)
    with page.expect_download() as dl:
        page.click("#export-path-png")
    assert Path(dl.value.path()).read_bytes()[:4] == b"\x89PNG"
    assert page.klynge_errors == []  # type: ignore[attr-defined]


def test_script_names_stay_text_in_the_browser(live_server, page):
    """An organisation named with a script payload shows the payload as text and runs nothing."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(live_server + "/org/999999999")
    assert page.inner_text("#org-name") == XSS
    page.goto(live_server + "/org/999999999/explore")
    page.wait_for_selector("#graph-status:has-text('nodes')")
    assert XSS in page.inner_text("#node-list")
    page.fill("#typeahead", "script")
    page.wait_for_selector("#typeahead-list li")
    page.screenshot(path=str(ARTIFACTS / "07-xss-inert.png"))
    assert dialogs == [] and page.klynge_errors == []  # type: ignore[attr-defined]


def test_capped_neighbourhood_shows_more_and_opens_on_click(live_server, page):
    """The hub has 60 board members; with 10 per node the drawing shows 10 and a "+50 more" node."""
    page.goto(live_server + "/org/911111111/explore?cap=10")
    page.select_option("select[name=cap]", "10")
    page.click("#network-form button[type=submit]")
    page.wait_for_selector("#graph-status:has-text('50 more not shown')")
    label = page.evaluate("window.klyngeExplorer.cy.getElementById('more:911111111').data('label')")
    assert label == "+50 more"
    page.screenshot(path=str(ARTIFACTS / "08-more.png"))
    box = page.locator("#cy").bounding_box()
    pos = page.evaluate("window.klyngeExplorer.cy.getElementById('more:911111111').renderedPosition()")
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_selector("#graph-status:has-text('61 nodes')")
    assert page.evaluate("window.klyngeExplorer.cy.getElementById('more:911111111').length") == 0
    page.screenshot(path=str(ARTIFACTS / "09-more-opened.png"))
    assert page.klynge_errors == []  # type: ignore[attr-defined]


@pytest.fixture
def serve(settings, graph):
    """``serve(role)``: the app over the small graph on a free loopback port for one role (None: an anonymous
    viewer), each in a thread; every server is stopped in finally."""
    from werkzeug.serving import make_server

    from gds_jobs.analysis import fit

    graph.small()
    fit.clear_cache()
    running = []

    def start(role: str | None) -> str:
        config = {"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True}
        if role:
            config["KLYNGE_TEST_ROLE"] = role
        server = make_server("127.0.0.1", 0, create_app(config), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"

    try:
        yield start
    finally:
        for server, thread in running:
            server.shutdown()
            thread.join(timeout=10)


@pytest.mark.parametrize("role", ["advisor", None], ids=["advisor", "viewer"])
def test_cluster_fit_is_explained_with_persons_named_only_for_advisors(serve, page, role):
    """DNB fits Ocean Tech Cluster through Kari Nordmann, who chairs member EQUINOR. The profile's fit panel, the fit
    page and the cluster's candidate firms show the parts and the board chain with links to both organisations;
    the advisor sees her name linked to her page, the viewer "board member 1" and no person key anywhere."""
    base = serve(role)
    who = role or "viewer"
    page.goto(base + "/org/984851006")
    page.wait_for_selector("#cluster-fit[data-ready='true']")
    panel = page.inner_text("#cluster-fit")
    assert "Ocean Tech Cluster" in panel and "EQUINOR ASA" in panel and "rank 1 of" in panel
    assert page.locator("#cluster-fit a[href='/org/923609016']").count() >= 1
    page.screenshot(path=str(ARTIFACTS / f"fit-01-profile-panel-{who}.png"), full_page=True)

    page.goto(base + "/org/984851006/fit")
    assert page.locator(".fit-parts tbody tr").count() >= 1
    chain = page.inner_text(".fit-chains")
    page.screenshot(path=str(ARTIFACTS / f"fit-02-fit-page-{who}.png"), full_page=True)

    page.goto(base + "/cluster/ocean")
    page.wait_for_selector("#candidate-firms[data-ready='true']")
    assert "DNB BANK ASA" in page.inner_text("#candidate-firms")
    page.screenshot(path=str(ARTIFACTS / f"fit-03-cluster-candidates-{who}.png"), full_page=True)
    html = page.content()
    if role == "advisor":
        assert "Kari Nordmann" in panel and "Kari Nordmann" in chain and "Kari Nordmann" in html
        assert page.locator("#candidate-firms a.person[href='/person/3f2a9c1e']").count() == 1
    else:
        assert "board member 1" in panel and "board member 1" in chain
        assert "Kari Nordmann" not in html and "3f2a9c1e" not in html
        assert page.locator("a[href^='/person/']").count() == 0
    page.click("#candidate-firms a:has-text('DNB BANK ASA')")
    page.wait_for_url("**/org/984851006")
    assert page.klynge_errors == []  # type: ignore[attr-defined]
