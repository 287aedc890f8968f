"""asiolike's build backend: setuptools, plus the optional mypyc build of the core.

``pyproject.toml`` names this module as the PEP 517 backend (``backend-path = [".ci"]``:
the top level of the repository has no ``setup.py``) and its :class:`build_ext` as
setuptools' ``build_ext`` command. Everything else is ``setuptools.build_meta``.

:class:`build_ext` compiles :data:`COMPILED` with mypyc into one shared library (the
compiled modules call each other directly) plus a stub extension per module, beside the
``.py`` files they are compiled from, which stay in the package: the pure-Python build is
the same files, run by the interpreter. It writes ``asiolike/_compiled.sha256``, the hash
of each compiled source, which ``asiolike/_build.py`` checks at import time. The compile
is optional, like the C masking accelerator: without mypy, without a working C compiler
(``CC=/nonexistent``), with ``ASIOLIKE_NO_EXTENSIONS`` set, or when mypyc or the C
compiler fails, the build says why and installs the pure-Python package, and no compiled
module of a failed build is installed (they are used all together or not at all).

docs/explanation/compiled.rst says which modules are compiled and why the others are not.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import sys
import sysconfig
import tempfile
from typing import Any

from setuptools import build_meta as _orig
from setuptools.build_meta import *  # noqa: F403  (the PEP 517 hooks)
from setuptools.command.build_ext import build_ext as _build_ext

__all__ = [*_orig.__all__, "COMPILED", "build_ext"]

#: The modules compiled with mypyc (relative to the top of the repository).
COMPILED = [
    "asiolike/detail/scheduler.py",
    "asiolike/detail/completion.py",
    "asiolike/detail/reactor.py",
    "asiolike/detail/timer_queue.py",
    "asiolike/detail/socket_ops.py",
    "asiolike/detail/handler_check.py",
    "asiolike/beast/websocket/_frame.py",
    "asiolike/beast/websocket/_events.py",
    "asiolike/beast/websocket/_protocol.py",
    "asiolike/beast/websocket/_stream_op.py",
    "asiolike/beast/websocket/_read_op.py",
    "asiolike/beast/websocket/_write_op.py",
    "asiolike/detail/read_op.py",
    "asiolike/detail/write_op.py",
    "asiolike/detail/read_until_op.py",
    "asiolike/detail/socket_core.py",
    "asiolike/beast/http/_parser_core.py",
    "asiolike/beast/http/_serializer_core.py",
]
#: The shared library's module (``asiolike/_core__mypyc.<abi>.so``).
GROUP = "asiolike._core"
MANIFEST = "asiolike/_compiled.sha256"
_ENV = "ASIOLIKE_NO_EXTENSIONS"


def _say(message: str) -> None:
    print(f"asiolike build: {message}", file=sys.stderr, flush=True)


def _compiler_works(build_temp: str) -> str | None:
    """``None`` when a C compiler builds against this Python's headers, else why not."""
    from distutils import ccompiler
    from distutils import sysconfig as dsysconfig

    os.makedirs(build_temp, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="asiolike-cc-", dir=build_temp)
    try:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w") as f:
            f.write("#include <Python.h>\nint asiolike_probe(void) { return 0; }\n")
        compiler: Any = ccompiler.new_compiler()
        dsysconfig.customize_compiler(compiler)
        compiler.compile(
            [source], output_dir=tmp, include_dirs=[sysconfig.get_paths()["include"]]
        )
    except Exception as e:  # noqa: BLE001  (any failure means: no compiled build)
        return f"{type(e).__name__}: {e}".strip()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return None


def _manifest() -> str:
    lines = []
    for path in COMPILED:
        with open(path, "rb") as f:
            lines.append(f"{hashlib.sha256(f.read()).hexdigest()}  {path}\n")
    return "".join(lines)


def _remove_compiled(root: str, keep: frozenset[str] = frozenset()) -> None:
    """Remove a previous compiled build from ``root`` (an in-place build's source tree),
    but for the extensions of the modules in ``keep`` (which a new build replaces).

    The previous build's modules are those its manifest lists, not only today's
    :data:`COMPILED`: a module dropped from the list must not leave its stub behind, which
    would ask the new shared library for a module it no longer has.
    """
    manifest = os.path.join(root, MANIFEST)
    if not os.path.exists(manifest):
        return
    with open(manifest, encoding="utf-8") as f:
        previous = [line.split(maxsplit=1)[1].strip() for line in f if line.strip()]
    suffixes = (".so", ".pyd")
    removed = 0
    for path in {*COMPILED, *previous, GROUP.replace(".", "/") + "__mypyc.py"} - keep:
        stem = os.path.join(root, path[: -len(".py")])
        for built in glob.glob(glob.escape(stem) + ".*"):
            if built.endswith(suffixes):
                os.remove(built)
                removed += 1
    if keep:
        if removed:
            _say(f"removed {removed} stale extensions of modules no longer compiled")
        return
    os.remove(manifest)
    _say(f"removed the previous compiled build from {root or '.'}")


class build_ext(_build_ext):
    """setuptools' ``build_ext``, plus the mypyc-compiled modules when they can be built."""

    def run(self) -> None:
        mypyc = self._mypyc_extensions()
        names = {ext.name for ext in mypyc}
        self._mypyc_names = names
        for ext in mypyc:
            # What setuptools' finalize_options sets on each extension it was given.
            ext._full_name = self.get_ext_fullname(ext.name)
            self.ext_map[ext._full_name] = ext
            ext._links_to_dynamic = False
            ext._needs_stub = False
            ext.optional = True  # a failure is handled in build_extensions
        self.extensions = [*self.extensions, *mypyc]
        if self.inplace and not mypyc:
            _remove_compiled(".")
        super().run()

    def build_extensions(self) -> None:
        super().build_extensions()
        names = getattr(self, "_mypyc_names", set())
        if not names:
            return
        outputs = [self.get_ext_fullpath(ext.name) for ext in self.extensions if ext.name in names]
        if all(os.path.exists(path) for path in outputs):
            with open(os.path.join(self.build_lib, MANIFEST), "w", encoding="ascii") as f:
                f.write(_manifest())
            _say(f"compiled {len(COMPILED)} modules with mypyc")
            return
        _say("the C compiler failed on mypyc's output: installing the pure-Python package")
        for path in outputs:
            if os.path.exists(path):
                os.remove(path)
        self.extensions = [ext for ext in self.extensions if ext.name not in names]

    def copy_extensions_to_source(self) -> None:
        super().copy_extensions_to_source()
        built = os.path.join(self.build_lib, MANIFEST)
        if os.path.exists(built) and getattr(self, "_mypyc_names", None):
            # The shared library and today's modules were just copied over; only the
            # extensions of modules an earlier build compiled and this one does not go.
            keep = frozenset([*COMPILED, GROUP.replace(".", "/") + "__mypyc.py"])
            _remove_compiled(".", keep)
            shutil.copyfile(built, MANIFEST)
        elif os.path.exists(MANIFEST):
            _remove_compiled(".")

    def _mypyc_extensions(self) -> list[Any]:
        if os.environ.get(_ENV, "") not in ("", "0"):
            _say(f"{_ENV} is set: the core stays pure Python")
            return []
        if sys.implementation.name != "cpython":
            _say("mypyc compiles for CPython only: the core stays pure Python")
            return []
        try:
            from mypyc.build import mypycify
        except ImportError:
            _say("mypy (mypyc) is not installed: the core stays pure Python")
            return []
        problem = _compiler_works(self.build_temp)
        if problem is not None:
            _say(f"no working C compiler ({problem}): the core stays pure Python")
            return []
        _say(f"compiling {len(COMPILED)} modules with mypyc (half a minute or so)")
        try:
            return list(
                mypycify(
                    COMPILED,
                    group_name=GROUP,
                    target_dir=os.path.join(self.build_temp, "mypyc"),
                )
            )
        except (Exception, SystemExit) as e:  # noqa: BLE001  (mypyc exits on a type error)
            _say(f"mypyc failed ({type(e).__name__}: {e}): the core stays pure Python")
            return []
