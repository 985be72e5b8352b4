"""Keep the gettext catalogs in step with the code (Babel does the work).

    python scripts/catalogs.py          # extract, merge into zh and en, list what zh lacks
    python scripts/catalogs.py --check  # exit 1 when a message lacks a translation

English msgids are the source text, so the English catalog is filled with them; Chinese is
translated by hand in bot/locales/zh/LC_MESSAGES/shangliang.po.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "bot" / "locales"
KEYWORDS = {
    "_": None,
    "N_": None,
    "NC_": ((1, "c"), 2),  # NC_(context, message): a msgctxt
    "t": (1,),
    "gettext": None,
    "ngettext": (1, 2),
}
METHOD_MAP = [("bot/**.py", "python"), ("handlers/**.py", "python")]


def extract() -> Catalog:
    template = Catalog(project="shangliang", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def catalog_path(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES" / "shangliang.po"


def load(language: str) -> Catalog:
    path = catalog_path(language)
    if not path.exists():
        return Catalog(locale=language, domain="shangliang")
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def missing(template: Catalog, language: str) -> list[str]:
    catalog = load(language)
    lacking = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id, context=message.context)
        if found is None or not found.string or found.fuzzy:
            lacking.append(message.id if isinstance(message.id, str) else message.id[0])
    return lacking


def update() -> None:
    template = extract()
    for language in ("zh", "en"):
        catalog = load(language)
        catalog.update(template, no_fuzzy_matching=True)
        if language == "en":
            for message in catalog:
                if message.id and not message.string:
                    message.string = message.id
        catalog.obsolete.clear()
        path = catalog_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=0, omit_header=False, sort_output=False)
    lacking = missing(template, "zh")
    for msgid in lacking:
        print(f"zh lacks: {msgid!r}")
    print(f"{len(template)} messages; zh lacks {len(lacking)}")


def main() -> int:
    if "--check" in sys.argv:
        template = extract()
        bad = {lang: missing(template, lang) for lang in ("zh", "en")}
        for lang, ids in bad.items():
            for msgid in ids:
                print(f"{lang} lacks: {msgid!r}")
        return 1 if any(bad.values()) else 0
    update()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
