"""Write Chinese translations into the zh catalog: python scripts/zh_fill.py FILE.json

FILE.json maps each English msgid to its Chinese text. Used while translating in bulk.
"""

from __future__ import annotations

import json
import sys

from babel.messages.pofile import write_po

from scripts.catalogs import catalog_path, load


def main() -> int:
    mapping = json.loads(open(sys.argv[1], encoding="utf-8").read())
    catalog = load("zh")
    catalog.fuzzy = False
    unknown = []
    for msgid, text in mapping.items():
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
            continue
        message.string = text
        message.flags.discard("fuzzy")
    with catalog_path("zh").open("wb") as handle:
        write_po(handle, catalog, width=0, sort_output=False)
    for msgid in unknown:
        print(f"not in catalog: {msgid!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
