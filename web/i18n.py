"""Languages of the web app: Norwegian Bokmål and English (Flask-Babel), numbers and dates the local way.

The language is the visitor's choice from the switch on every page (``/lang/<code>``, kept in the
``klynge_lang`` cookie), otherwise the browser's ``Accept-Language`` (``nb``, ``no`` and ``nn``
give Bokmål), otherwise English. Every string of the templates, the views and the scripts is an
English message id translated in ``web/translations/<locale>/LC_MESSAGES/messages.po``; the
compiled ``.mo`` beside it is made from the ``.po`` when it is missing or older (``make messages``
refreshes the catalogue from the sources). Numbers and dates are formatted by Babel for the
chosen locale: ``12 345,6`` in Bokmål, ``12,345.6`` in English.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from babel import numbers as babel_numbers
from flask import Flask, Response, abort, redirect, request
from babel import dates as babel_dates
from flask_babel import Babel, get_locale, gettext, lazy_gettext

from klynge.errors import Message
from web import auth
from web.measures import finite_number

TRANSLATIONS = Path(__file__).parent / "translations"
#: Languages offered, with their names in their own language (the switch shows these).
LANGUAGES = {"nb": "Norsk", "en": "English"}
DEFAULT = "en"
COOKIE = "klynge_lang"
#: Browser language tags that mean Bokmål to us (Norwegian in general, and Nynorsk readers read Bokmål).
ALIASES = {"nb": "nb", "no": "nb", "nn": "nb", "nb-no": "nb", "en": "en"}


def compile_catalogues(root: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``messages.po`` under ``root`` whose ``.mo`` is missing or older; returns those written."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        tmp = mo.with_suffix(".mo.tmp")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


def select_locale() -> str:
    """The cookie's language, else the best of ``Accept-Language``, else English."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for tag, _q in request.accept_languages:
        lang = ALIASES.get(tag.lower()) or ALIASES.get(tag.lower().split("-")[0])
        if lang:
            return lang
    return DEFAULT


def locale_code() -> str:
    loc = get_locale()
    return str(loc.language) if loc is not None else DEFAULT


#: The regional form used for numbers and dates ("7 Dec 2026" in English, "7. des. 2026" in Bokmål).
FORMAT_LOCALES = {"en": "en_GB", "nb": "nb_NO"}


# ------------------------------------------------------------------ numbers and dates


def number(v: Any, decimals: int = 0) -> str:
    """A number with the locale's grouping and decimal sign, ``decimals`` places; "–" when missing."""
    f = finite_number(v)
    if f is None:
        return "–" if v is None or v == "" else str(v)
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return babel_numbers.format_decimal(f, format=pattern, locale=locale_code(), decimal_quantization=True)


def auto_number(v: Any, digits: int = 3) -> str:
    """A number as a reader wants it in a table: whole numbers without decimals ("60", "2025"),
    others with ``digits`` significant decimals at most (0.123, 12.3), large ones grouped."""
    f = finite_number(v)
    if f is None:
        if isinstance(v, bool):
            return gettext("yes") if v else gettext("no")
        return "–" if v is None or v == "" else str(v)
    if f == int(f) and abs(f) < 1e15:
        return number(f, 0)
    a = abs(f)
    if a >= 1000:
        return number(f, 0)
    if a >= 100:
        return number(f, 1)
    if a >= 1:
        return number(f, 2)
    if a >= 0.001:
        return _trim(number(f, digits))
    return babel_numbers.format_scientific(f, format="0.##E0", locale=locale_code())


def _trim(text: str) -> str:
    sep = babel_numbers.get_decimal_symbol(locale_code())
    if sep in text:
        text = text.rstrip("0").rstrip(sep)
    return text


def percent(v: Any) -> str:
    f = finite_number(v)
    if f is None:
        return "–"
    return babel_numbers.format_percent(f / 100.0, locale=locale_code())


def money(v: Any) -> str:
    """NOK in thousands, millions or billions, e.g. "12.3 M" / "12,3 mill."."""
    f = finite_number(v)
    if f is None:
        return "–" if v is None or v == "" else str(v)
    a = abs(f)
    if a >= 1e9:
        return gettext("%(n)s bn", n=number(f / 1e9, 1))
    if a >= 1e6:
        return gettext("%(n)s M", n=number(f / 1e6, 1))
    if a >= 1e3:
        return gettext("%(n)s k", n=number(f / 1e3, 0))
    return number(f, 0)


def date(v: Any) -> str:
    """An ISO date (or date-time) in the locale's medium form ("7 Dec 2026", "7. des. 2026"); other text as is."""
    if not v:
        return "–"
    text = str(v)
    try:
        d = dt.date.fromisoformat(text[:10])
    except ValueError:
        return text
    return babel_dates.format_date(d, format="medium", locale=FORMAT_LOCALES.get(locale_code(), "en_GB"))


# ------------------------------------------------------------------ labels shared by pages and scripts

#: Brønnøysund's role types (rolletyper) in both languages; the code stays in the data.
ROLE_NAMES = {
    "DAGL": lazy_gettext("CEO (daglig leder)"), "LEDE": lazy_gettext("Chair of the board"),
    "NEST": lazy_gettext("Deputy chair"), "MEDL": lazy_gettext("Board member"),
    "VARA": lazy_gettext("Deputy board member"), "OBS": lazy_gettext("Observer"),
    "REVI": lazy_gettext("Auditor"), "REGN": lazy_gettext("Accountant"),
    "KONT": lazy_gettext("Contact person"), "INNH": lazy_gettext("Owner"),
    "DTPR": lazy_gettext("Partner (pro rata liability)"), "DTSO": lazy_gettext("Partner (joint liability)"),
    "KOMP": lazy_gettext("General partner"), "EIKM": lazy_gettext("Owning municipality"),
    "BOBE": lazy_gettext("Estate administrator"), "FFØR": lazy_gettext("Business manager"),
    "BEST": lazy_gettext("Managing shipowner"), "REPR": lazy_gettext("Norwegian representative"),
    "KDEB": lazy_gettext("Bankrupt debtor"), "SIGN": lazy_gettext("Signatory"),
    "PROK": lazy_gettext("Procuration"), "STYR": lazy_gettext("Board"),
    "OTHER": lazy_gettext("Other role"),
}

#: Data sources as people know them (the graph stores the loader's name).
SOURCE_NAMES = {
    "brreg_units": "Enhetsregisteret", "brreg_subunits": "Enhetsregisteret",
    "brreg_roles": "Enhetsregisteret", "brreg_accounts": "Regnskapsregisteret", "regnskap": "Regnskapsregisteret",
    "forskningsradet": "Forskningsrådet", "innovasjon_norge": "Innovasjon Norge", "patents": "Patentstyret",
    "clusters": lazy_gettext("cluster programmes"), "synthetic": lazy_gettext("synthetic data (klynge synth)"),
    "gds_jobs.current_measures": lazy_gettext("Klynge's nightly network measures"),
}


def translate(text: Any) -> str:
    """Text from the data (an analysis title, a note) in the page's language when the catalogue has it."""
    return gettext(str(text)) if text else ("" if text is None else str(text))


def say(text: Any) -> str:
    """A :class:`klynge.errors.Message` (a validation error, say) in the page's language: its template from the
    catalogue, its values said the same way; other text as it is."""
    if not isinstance(text, Message):
        return "" if text is None else str(text)
    values = {k: say(v) if isinstance(v, Message) else v for k, v in text.values.items()}
    return gettext(text.template, **values) if values else gettext(text.template)


def role_name(code: Any) -> str:
    if not code:
        return "–"
    name = ROLE_NAMES.get(str(code))
    return str(name) if name is not None else str(code)


def source_name(code: Any, as_of: Any = None) -> str:
    """"Enhetsregisteret, 7 Dec 2026" from a loader's source name and its as-of date."""
    if not code:
        name = gettext("unknown source")
    else:
        text = str(code)
        name = SOURCE_NAMES.get(text) or SOURCE_NAMES.get(text.split(".")[0].split("/")[0]) or text
        name = str(name)
    return f"{name}, {date(as_of)}" if as_of else name


#: Strings the browser scripts show, by key (sent in the page as JSON, see base.html).
JS_MESSAGES = {
    "loading": lazy_gettext("Loading…"), "nodes": lazy_gettext("nodes"), "ties": lazy_gettext("ties"),
    "more_not_shown": lazy_gettext("more not shown"), "node_limit": lazy_gettext("stopped at the node limit"),
    "more": lazy_gettext("more"), "expanding": lazy_gettext("Expanding"), "could_not_load":
    lazy_gettext("Could not load the network"), "could_not_expand": lazy_gettext("Could not expand"),
    "person": lazy_gettext("Person"), "organisation": lazy_gettext("Organisation"),
    "orgnr": lazy_gettext("Organisation number"), "sector": lazy_gettext("Sector"), "active": lazy_gettext("Active"),
    "yes": lazy_gettext("yes"), "no": lazy_gettext("no"), "hops": lazy_gettext("Steps from the organisation"),
    "ties_shown": lazy_gettext("Ties in the drawing"), "ties_total": lazy_gettext("Ties in the register"),
    "not_shown": lazy_gettext("Not shown"), "former": lazy_gettext("former"),
    "and_more": lazy_gettext("and %(n)s more in the drawing"), "open_profile": lazy_gettext("Open profile"),
    "expand": lazy_gettext("Expand"), "expand_again": lazy_gettext("Expand again"),
    "collapse": lazy_gettext("Collapse"), "make_ego": lazy_gettext("Make ego"),
    "path_from_ego": lazy_gettext("Path from ego"), "all_nodes": lazy_gettext("All nodes"),
    "shown": lazy_gettext("Shown in the drawing"), "click_hint": lazy_gettext(
        "Click a node (here or in the drawing) for details; double-click to expand. Hover to highlight its "
        "neighbourhood."),
    "collapsed": lazy_gettext("collapsed"), "colour_sector": lazy_gettext("Colour: sector / kind"),
    "select_these": lazy_gettext("Select these nodes"), "dashed": lazy_gettext("Dashed: former role or inactive"),
    "advisory": lazy_gettext("Dotted: auditor or accountant"),
    "size_colour": lazy_gettext("Size and colour"), "not_computed": lazy_gettext("Not computed for these nodes yet."),
    "low": lazy_gettext("low"), "high": lazy_gettext("high"),
    "without_value": lazy_gettext("node(s) without a value (small, grey)"),
    "ties_heading": lazy_gettext("Ties"), "measures_heading": lazy_gettext("Network measures"),
    "fit": lazy_gettext("fit"), "member": lazy_gettext("member"), "fit_not": lazy_gettext("Cluster fit not computed."),
    "fit_failed": lazy_gettext("Cluster fit could not be loaded."),
    "fit_score": lazy_gettext("score %(score)s"), "fit_rank": lazy_gettext("rank %(rank)s of %(total)s candidates"),
    "fit_would_rank": lazy_gettext("would rank %(rank)s of %(total)s candidates"),
    "fit_most_like": lazy_gettext("Most like member"), "fit_chain": lazy_gettext("Board chain:"),
    "candidates_not": lazy_gettext("Candidate firms not computed."),
    "candidates_failed": lazy_gettext("Candidate firms could not be loaded."),
    "industry": lazy_gettext("industry"), "academia": lazy_gettext("academia"),
    "government": lazy_gettext("government"), "intermediary": lazy_gettext("intermediary"),
    "other": lazy_gettext("other"), "unknown": lazy_gettext("unknown"),
    "kind_organization": lazy_gettext("organisation"), "kind_cluster": lazy_gettext("cluster"),
    "kind_person": lazy_gettext("person"), "no_suggestions": lazy_gettext("No matches"),
    "filter": lazy_gettext("Filter"), "controls": lazy_gettext("Controls"), "close": lazy_gettext("Close"),
}


def js_messages() -> dict[str, str]:
    out = {k: str(v) for k, v in JS_MESSAGES.items()}
    out.update({f"role_{k}": str(v) for k, v in ROLE_NAMES.items()})
    out["_locale"] = locale_code()
    return out


def init_app(app: Flask) -> None:
    compile_catalogues()
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale)
    env = app.jinja_env
    env.filters["number"] = number
    env.filters["num"] = auto_number
    env.filters["money"] = money
    env.filters["pct"] = percent
    env.filters["date"] = date
    env.filters["role_name"] = role_name
    env.filters["source_name"] = source_name
    env.filters["tr"] = translate
    env.filters["say"] = say
    from web.analysis import column_title

    env.globals["column_title"] = column_title

    @app.context_processor
    def i18n_context() -> dict[str, Any]:
        from web.facets import HELIX_TITLES

        return {"lang": locale_code(), "languages": LANGUAGES, "js_messages": js_messages,
                "helix_titles": {h: str(t) for h, t in HELIX_TITLES.items()}}

    @app.get("/lang/<code>")
    def set_language(code: str):
        """Choose the page language (kept in a cookie for a year) and go back to ``next``."""
        if code not in LANGUAGES:
            abort(404, description=f"language {code!r} is not offered; choose one of {', '.join(LANGUAGES)}")
        resp: Response = redirect(auth.safe_next(request.args.get("next")), code=303)
        resp.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True,
                        secure=bool(app.config.get("KLYNGE_SECURE_COOKIES")))
        return resp

    @app.after_request
    def vary_on_language(resp: Response) -> Response:
        if not request.path.startswith("/static/"):
            resp.vary.add("Accept-Language")
            resp.vary.add("Cookie")
            resp.headers.setdefault("Content-Language", locale_code())
        return resp
