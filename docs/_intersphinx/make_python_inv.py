"""Write ``python.inv``: the part of Python's Sphinx inventory these docs link to.

The documentation build reads Python's inventory from this folder instead of fetching
``https://docs.python.org/3/objects.inv``, so that it needs no network. Regenerate it from
a full inventory (Debian's ``python3.11-doc`` package installs one, or download it once)::

    python docs/_intersphinx/make_python_inv.py /usr/share/doc/python3.11/html/objects.inv

Kept: the Python-domain objects of the built-in pages (functions, types, exceptions,
constants) and of the modules below. Add a module here when the docs start linking to it.
"""

from __future__ import annotations

import posixpath
import sys
import zlib
from pathlib import Path

from sphinx.util.inventory import InventoryFile

MODULES = {
    "argparse",
    "collections",
    "concurrent",
    "contextlib",
    "dataclasses",
    "datetime",
    "enum",
    "errno",
    "functools",
    "hashlib",
    "io",
    "ipaddress",
    "logging",
    "os",
    "pathlib",
    "re",
    "select",
    "selectors",
    "signal",
    "socket",
    "ssl",
    "struct",
    "sys",
    "threading",
    "time",
    "types",
    "typing",
    "zlib",
}
BUILTIN_PAGES = (
    "library/functions.html",
    "library/stdtypes.html",
    "library/exceptions.html",
    "library/constants.html",
)


def keep(name: str, uri: str) -> bool:
    if uri.startswith(BUILTIN_PAGES):
        return True
    return name.split(".")[0] in MODULES


def main(source: str) -> None:
    with open(source, "rb") as f:
        inventory = InventoryFile.load(f, "", posixpath.join)
    lines = []
    for role, entries in sorted(inventory.items()):
        if not role.startswith("py:"):
            continue
        for name, item in sorted(entries.items()):
            # Sphinx >= 8.2 gives _InventoryItem objects, older versions tuples.
            uri = str(getattr(item, "uri", None) or item[2])
            display = str(getattr(item, "display_name", None) or item[3])
            if keep(name, uri):
                lines.append(f"{name} {role} 1 {uri} {display}")
    header = (
        "# Sphinx inventory version 2\n"
        "# Project: Python\n"
        "# Version: 3.11\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = zlib.compress(("\n".join(lines) + "\n").encode(), 9)
    out = Path(__file__).with_name("python.inv")
    out.write_bytes(header.encode() + body)
    print(f"{out}: {len(lines)} objects")


if __name__ == "__main__":
    main(sys.argv[1])
