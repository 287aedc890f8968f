"""Which build of asiolike runs: the mypyc-compiled core or the pure-Python modules.

Theory of operation. A compiled install (docs/explanation/compiled.rst) has, beside each
compiled module's ``.py`` source, an extension module of the same name, and one file,
:data:`MANIFEST` (``asiolike/_compiled.sha256``), written by the build: the SHA-256 of
each compiled module's source, as ``sha256sum`` writes it. Python's import system prefers
an extension module to a ``.py`` of the same name, so the choice is made here, by
``asiolike/__init__.py`` (which is never compiled) before it imports anything else:

* ``ASIOLIKE_NO_EXTENSIONS`` set (to anything but ``""`` or ``"0"``): the pure-Python
  modules, and no extension at all, not even the C masking accelerator;
* otherwise, a manifest whose every source still has its recorded hash: the compiled
  modules (:data:`compiled` is true);
* otherwise the pure-Python modules (the C masking accelerator still loads when it was
  built). A manifest whose sources have changed since they were compiled (an editable
  install whose ``.py`` files a developer edited) gives a :class:`stale_build_warning`:
  a stale extension never shadows the source that was edited. The compiled modules call
  each other directly in C, so they are used all together or not at all.

The pure-Python modules are chosen by :class:`_source_finder`, a finder put first on
:data:`sys.meta_path` that loads every ``asiolike.*`` module from its ``.py`` file. Without
a manifest and without the variable, no finder is installed: nothing was compiled.

:func:`mypyc_attr` lets the compiled classes that code elsewhere derives from say so
(mypyc's ``allow_interpreted_subclasses``) without making ``mypy_extensions`` a dependency.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Sequence
from importlib.machinery import SOURCE_SUFFIXES, FileFinder, ModuleSpec, SourceFileLoader
from types import ModuleType
from typing import Any, Final

try:
    from mypy_extensions import mypyc_attr
except ImportError:  # the pure build needs no mypy_extensions

    def mypyc_attr(*attrs: str, **kwattrs: object) -> Any:  # type: ignore[misc]
        """What ``mypy_extensions.mypyc_attr`` does at run time: nothing."""
        return lambda cls: cls


__all__ = [
    "MANIFEST",
    "compiled",
    "compiled_modules",
    "mypyc_attr",
    "reason",
    "stale_build_warning",
]

#: The build's record of the compiled modules, beside this file.
MANIFEST: Final = "_compiled.sha256"
_ENV: Final = "ASIOLIKE_NO_EXTENSIONS"


class stale_build_warning(RuntimeWarning):
    """The compiled modules were built from sources that have changed since."""


class _source_finder:
    """Loads ``asiolike.*`` from ``.py`` sources, so that no compiled module shadows them.

    With ``strict`` (``ASIOLIKE_NO_EXTENSIONS``), a module that has no source (the C
    masking accelerator) is not found; otherwise the normal import system looks for it.
    """

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self._finders: dict[str, FileFinder] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith("asiolike.") or path is None:
            return None
        for entry in path:
            finder = self._finders.get(entry)
            if finder is None:
                finder = self._finders[entry] = FileFinder(
                    entry, (SourceFileLoader, SOURCE_SUFFIXES)
                )
            spec = finder.find_spec(fullname)
            if spec is not None and spec.loader is not None:
                return spec
        if self.strict:
            raise ModuleNotFoundError(
                f"{fullname} has no Python source ({_ENV} is set: extensions are not loaded)",
                name=fullname,
            )
        return None

    def invalidate_caches(self) -> None:
        for finder in self._finders.values():
            finder.invalidate_caches()


def _stale_sources(package_dir: str, manifest: str) -> list[str]:
    """The sources listed in ``manifest`` whose hash differs (or that are gone)."""
    import hashlib

    root = os.path.dirname(package_dir)
    stale = []
    for line in manifest.splitlines():
        digest, _, name = line.partition("  ")
        try:
            with open(os.path.join(root, name), "rb") as source:
                same = hashlib.sha256(source.read()).hexdigest() == digest
        except OSError:
            same = False
        if not same:
            stale.append(name)
    return stale


def _module_names(manifest: str | None) -> tuple[str, ...]:
    if manifest is None:
        return ()
    names = (line.partition("  ")[2] for line in manifest.splitlines())
    return tuple(name.removesuffix(".py").replace("/", ".") for name in names)


def _read_manifest() -> str | None:
    try:
        with open(os.path.join(_PACKAGE_DIR, MANIFEST), encoding="ascii") as f:
            return f.read()
    except OSError:
        return None


def _select(manifest: str | None) -> tuple[bool, str]:
    package_dir = _PACKAGE_DIR
    if os.environ.get(_ENV, "") not in ("", "0"):
        sys.meta_path.insert(0, _source_finder(strict=True))
        return False, f"{_ENV} is set"
    if manifest is None:
        return False, "not compiled"
    stale = _stale_sources(package_dir, manifest)
    if not stale:
        return True, "compiled with mypyc"
    sys.meta_path.insert(0, _source_finder(strict=False))
    warnings.warn(
        f"{', '.join(stale)} changed since asiolike was compiled; using the "
        "pure-Python modules (rebuild with pip install, or set ASIOLIKE_NO_EXTENSIONS=1 "
        "to say that the pure ones are wanted)",
        stale_build_warning,
        stacklevel=3,
    )
    return False, "sources changed since they were compiled"


_PACKAGE_DIR: Final = os.path.dirname(os.path.abspath(__file__))
_manifest = _read_manifest()
compiled_modules: Final = _module_names(_manifest)
"""The modules the build compiled (their names), whether or not they are in use."""
compiled: bool
"""Whether the compiled modules are in use (see :data:`asiolike.compiled`)."""
reason: str
"""Why: ``"compiled with mypyc"``, ``"not compiled"``, ``"ASIOLIKE_NO_EXTENSIONS is set"``
or ``"sources changed since they were compiled"``."""
compiled, reason = _select(_manifest)
