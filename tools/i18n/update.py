"""Refresh the web app's message catalogues from the sources (``make messages``).

Extracts every message id from ``web/`` (``babel.cfg``: templates and Python, keywords ``_``,
``gettext``, ``ngettext``, ``lazy_gettext``, ``_l``) and the texts the assessment form shows from every
version of the absorptive-capacity instrument (``klynge/instruments/acap-v<N>.yaml``: title, scale ends,
dimension titles and descriptions, item labels, theme titles and help; never an item's published
``wording``, which is shown as published, nor the reference) and the ``message("…")`` templates of
:data:`MESSAGE_MODULES` (``klynge.errors.message``: validation errors the pages say in their language), merges them into each
``web/translations/<locale>/LC_MESSAGES/messages.po`` (translations kept, new ids added empty,
ids no longer used dropped) and lists the ids that still need a translation. Exit code 1 when
some do, so CI can insist on a complete catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from the repository
    sys.path.insert(0, str(ROOT))
TRANSLATIONS = ROOT / "web" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("web/templates/**.html", "jinja2"), ("web/**.py", "python")]
#: Modules outside web/ whose ``message("…")`` templates the pages translate (``web.i18n.say``).
MESSAGE_MODULES = ("klynge/assessments.py", "cypher/assessments.py")


def extract() -> Catalog:
    template = Catalog(project="Klynge", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"web/templates/**.html": {}}):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    for name in MESSAGE_MODULES:
        for lineno, message, comments, context in extract_from_file("python", str(ROOT / name),
                                                                    keywords={"message": None}):
            template.add(message, None, [(name, lineno)], auto_comments=comments, context=context)
    for text, where in instrument_texts():
        template.add(text, None, [(where, 0)], auto_comments=["absorptive-capacity instrument"])
    return template


def instrument_texts() -> list[tuple[str, str]]:
    """(text, file) of what the assessment pages show from each instrument version (the templates pass them
    through the ``tr`` filter). Published item wording is left out: it is shown as published."""
    from klynge import assessments

    out = []
    for v in assessments.versions():
        inst = assessments.instrument(v)
        where = str(inst.path.relative_to(ROOT))
        texts = [inst.title, inst.scale_low, inst.scale_high]
        for d in inst.dimensions:
            texts += [d.title, d.description, *(i.label for i in d.items)]
        for t in inst.themes:
            texts += [t.title, t.help]
        out += [(t, where) for t in texts if t]
    return out


def main() -> int:
    template = extract()
    missing_total = 0
    for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=po.parent.parent.name)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # the header is complete; a fuzzy header would be left out of the .mo
        catalog.copyright_holder = "the Klynge project"
        catalog.msgid_bugs_address = ""
        catalog.last_translator = "Klynge"
        with po.open("wb") as fh:
            write_po(fh, catalog, no_location=True, sort_output=True, width=120)
        missing = [m.id for m in catalog if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
        missing_total += len(missing)
        print(f"{po.relative_to(ROOT)}: {len(catalog)} messages, {len(missing)} without a translation")
        for m in missing:
            print(f"  {m!r}")
    return 1 if missing_total else 0


if __name__ == "__main__":
    sys.exit(main())
