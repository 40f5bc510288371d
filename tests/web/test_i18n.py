"""Bokmål and English: chosen by the browser's language or the switch on every page; numbers and dates the
local way; a complete catalogue."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from tests.web.test_pages import QUERY, _fill, small_with_assessment
from tests.web.conftest import fake_analysis
from web import i18n
from web.routes import ROUTES

PO = i18n.TRANSLATIONS / "nb" / "LC_MESSAGES" / "messages.po"


def _lang(html: str) -> str:
    return re.search(r'<html lang="(\w+)"', html).group(1)


def test_accept_language_nb_gives_a_norwegian_page_and_en_an_english_one(graph, client):
    graph.small()
    nb = client.get("/org/923609016", headers={"Accept-Language": "nb"})
    en = client.get("/org/923609016", headers={"Accept-Language": "en"})
    nb_html, en_html = nb.get_data(as_text=True), en.get_data(as_text=True)
    assert _lang(nb_html) == "nb" and nb.headers["Content-Language"] == "nb"
    assert "Utforsk nettverket" in nb_html and "Styre og daglig leder" in nb_html and "Explore network" not in nb_html
    assert _lang(en_html) == "en" and "Explore network" in en_html and "Utforsk nettverket" not in en_html
    assert "Accept-Language" in nb.headers["Vary"]


@pytest.mark.parametrize("header,lang", [("nb-NO,nb;q=0.9,en;q=0.5", "nb"), ("no", "nb"), ("nn-NO", "nb"),
                                         ("en-GB,en;q=0.8", "en"), ("de-DE", "en"), ("", "en")])
def test_browser_languages_map_to_bokmal_or_english(client, header, lang):
    assert _lang(client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)) == lang


def test_the_switch_on_every_page_sets_the_language_and_returns_to_the_page(graph, client):
    graph.small()
    page = client.get("/clusters", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/lang/nb?next=/clusters"' in page and 'id="langswitch"' in page
    r = client.get("/lang/nb?next=/clusters")
    assert r.status_code == 303 and r.headers["Location"].endswith("/clusters")
    assert "klynge_lang=nb" in r.headers["Set-Cookie"]
    html = client.get("/clusters", headers={"Accept-Language": "en"}).get_data(as_text=True)  # the cookie wins
    assert _lang(html) == "nb" and "Klynger" in html
    assert client.get("/lang/de").status_code == 404
    assert client.get("/lang/en?next=https://evil.example/").headers["Location"].endswith("/")


def test_numbers_and_dates_are_written_the_local_way(app_factory):
    app = app_factory()
    with app.test_request_context(headers={"Accept-Language": "nb"}):
        assert i18n.number(1234567.891, 2) == "1\u00a0234\u00a0567,89"
        assert (i18n.auto_number(60.0), i18n.auto_number(2025.0), i18n.auto_number(0.5)) == ("60", "2\u00a0025", "0,5")
        assert i18n.date("2026-12-07") == "7. des. 2026" and i18n.money(12_300_000) == "12,3 mill."
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert i18n.number(1234567.891, 2) == "1,234,567.89" and i18n.auto_number(471421146.0) == "471,421,146"
        assert i18n.date("2026-12-07") == "7 Dec 2026" and i18n.money(12_300_000) == "12.3 M"
        assert i18n.source_name("brreg_units", "2026-12-07") == "Enhetsregisteret, 7 Dec 2026"


def test_every_page_renders_in_bokmal(graph, settings, monkeypatch):
    """Each registered HTML page, as an admin, in Bokmål: no missing placeholder breaks a page."""
    from tests.web.conftest import _client

    admin = _client(settings, "admin")
    small_with_assessment(graph)
    fake_analysis(monkeypatch)
    for r in ROUTES:
        if not r.twin:
            continue
        resp = admin.get(_fill(r.rule) + QUERY.get(r.rule, ""), headers={"Accept-Language": "nb"})
        assert resp.status_code == 200 and _lang(resp.get_data(as_text=True)) == "nb", r.rule


def test_the_catalogue_translates_every_message_and_keeps_the_placeholders():
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="nb")
    ids = [m for m in catalog if m.id]
    assert len(ids) > 400
    for m in ids:
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        sources = m.id if isinstance(m.id, tuple) else (m.id,)
        assert all(strings), f"no translation for {m.id!r}"
        want = set(re.findall(r"%\(\w+\)s", " ".join(sources))) - {"%(num)s"}
        for s in strings:
            assert want <= set(re.findall(r"%\(\w+\)s", s)), f"{m.id!r} lost a placeholder in {s!r}"


def test_the_catalogue_covers_the_sources():
    """``make messages`` would add nothing: every message id in web/ has a translation."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("i18n_update", i18n.TRANSLATIONS.parents[1] / "tools" / "i18n"
                                                  / "update.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    with PO.open("rb") as fh:
        have = {m.id for m in read_po(fh, locale="nb") if m.id}
    wanted = {m.id for m in mod.extract() if m.id}
    assert wanted - have == set()
