"""Refresh the web app's message catalogues from the sources (``make messages``).

Extracts every message id from ``web/`` (``babel.cfg``: templates and Python, keywords ``_``,
``gettext``, ``ngettext``, ``lazy_gettext``, ``_l``), merges them into each
``web/translations/<locale>/LC_MESSAGES/messages.po`` (translations kept, new ids added empty,
ids no longer used dropped) and lists the ids that still need a translation. Exit code 1 when
some do, so CI can insist on a complete catalogue.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "web" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [("web/templates/**.html", "jinja2"), ("web/**.py", "python")]


def extract() -> Catalog:
    template = Catalog(project="Klynge", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHODS, keywords=KEYWORDS, options_map={"web/templates/**.html": {}}):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


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
