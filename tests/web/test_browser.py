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
    page.goto(base + "/path?from=923609016&to=971035854")
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


@pytest.fixture
def login_server(settings, graph, user_store):
    """The app with real logins (no test role) on a free loopback port; an advisor account ``synnove``."""
    from werkzeug.serving import make_server

    from tests.web.conftest import TEST_PASSWORD

    graph.small()
    user_store.add("synnove", TEST_PASSWORD, "advisor")
    app = create_app({"data_dir": settings.data_dir, "graph_name": settings.graph_name, "TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", TEST_PASSWORD
    finally:
        server.shutdown()
        thread.join(timeout=10)


def test_an_advisor_records_an_assessment_and_finds_it_on_the_profile_and_in_the_region_analysis(login_server,
                                                                                                 page):
    from klynge.assessments import instrument

    base, password = login_server
    page.goto(base + "/org/923609016")
    assert page.locator("#absorptive-capacity").count() == 0  # nothing for an anonymous visitor
    page.goto(base + "/login?next=/org/923609016")
    page.fill("#login-username", "synnove")
    page.fill("#login-password", password)
    page.click("form.login-form button[type=submit]")
    page.wait_for_url("**/org/923609016")
    assert "No final assessment" in page.inner_text("#absorptive-capacity")
    page.click("#record-assessment")
    page.wait_for_selector("#assessment-form")
    page.fill("input[name=interview_date]", "2026-03-04")
    page.fill("input[name=advisor]", "Synnøve Rådgiver")
    answers = {}
    for n, item in enumerate(instrument().item_ids):
        answers[item] = 3 + n % 4  # 3, 4, 5, 6, 3, …
        page.check(f"input[name={item}][value='{answers[item]}']")
    page.check("input[name=exp3][value='']")  # left open by mistake
    page.fill("textarea[name=plans]", "Wants partners for larger bids")
    page.screenshot(path=str(ARTIFACTS / "10-assessment-form.png"), full_page=True)
    page.click("#save-final")
    page.wait_for_selector("#form-errors")
    assert "exp3" in page.inner_text("#form-errors") and "not answered" in page.inner_text("#form-errors")
    assert page.input_value("textarea[name=plans]") == "Wants partners for larger bids"  # nothing lost
    page.check(f"input[name=exp3][value='{answers['exp3']}']")
    page.click("#save-final")
    page.wait_for_selector("#assessment-scores")
    inst = instrument()
    dims = {d.id: sum(answers[i.id] for i in d.items) / len(d.items) for d in inst.dimensions}
    acap = sum(dims.values()) / 4
    assert page.inner_text("#score-acap") == f"{acap:.2f}"
    assert page.inner_text("#assessment-status") == "final"
    assert "synnove" in page.inner_text("#assessment-history")
    page.screenshot(path=str(ARTIFACTS / "11-assessment.png"), full_page=True)

    page.goto(base + "/org/923609016")
    card = page.inner_text("#absorptive-capacity")
    assert page.inner_text("#absorptive-date") == "4 Mar 2026"
    assert page.inner_text("#absorptive-advisor") == "Synnøve Rådgiver"
    assert f"{dims['acquisition']:.2f}" in card and f"{acap:.2f}" in card
    page.screenshot(path=str(ARTIFACTS / "12-profile-assessment.png"), full_page=True)

    page.goto(base + "/region/ringeriksregionen/analysis", timeout=120_000)
    page.wait_for_selector("#absorptive-section")
    firms = page.inner_text("#table-absorptive_firms")
    assert "EQUINOR ASA" in firms and "923609016" in firms and "Synnøve Rådgiver" in firms
    assert f"{acap:.3g}" in page.inner_text("#table-absorptive_groups")
    page.locator("#absorptive-section").screenshot(path=str(ARTIFACTS / "13-region-absorptive.png"))

    page.goto(base + "/lang/nb?next=/org/923609016")  # the language switch's link: the card in Bokmål
    page.wait_for_selector("#absorptive-capacity")
    assert page.inner_text("#absorptive-date") == "4. mars 2026"
    assert "Siste endelige vurdering" in page.inner_text("#absorptive-capacity")
    page.goto(base + "/org/923609016/assessments/new")
    assert "Lagre som endelig" in page.inner_text("#assessment-form")
    page.click("#save-final")  # no item answered (date and advisor are filled in): the messages in Bokmål
    page.wait_for_selector("#form-errors")
    errors = page.inner_text("#form-errors")
    assert f"Noen svar må rettes ({len(answers)}):" in errors and "acq1: ikke besvart" in errors
    page.screenshot(path=str(ARTIFACTS / "14-assessment-form-nb.png"), full_page=True)
    assert page.klynge_errors == []  # type: ignore[attr-defined]
