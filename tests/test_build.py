"""Which build runs (asiolike/_build.py): compiled or pure, and the switch between them.

``.ci/run`` runs the suite twice and says which build each run must see, with
``ASIOLIKE_EXPECT_BUILD=compiled`` or ``pure``: :func:`test_the_expected_build_runs`
checks that the modules imported are the ones of that build, so a compiled run that
silently fell back to the pure modules (or the reverse) fails.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest

import asiolike
from asiolike import _build

PACKAGE = Path(asiolike.__file__).parent


def is_extension(module_name: str) -> bool:
    file = importlib.import_module(module_name).__file__ or ""
    return file.endswith(tuple(EXTENSION_SUFFIXES))


def test_the_expected_build_runs() -> None:
    expected = os.environ.get("ASIOLIKE_EXPECT_BUILD")
    if expected is not None:
        assert expected in ("compiled", "pure"), expected
        assert asiolike.compiled == (expected == "compiled"), _build.reason
    if asiolike.compiled:
        assert _build.compiled_modules
        assert [m for m in _build.compiled_modules if not is_extension(m)] == []
    else:
        # Nothing compiled is in use: every asiolike module imported so far is a source.
        for name, module in list(sys.modules.items()):
            if name.startswith("asiolike.") and not name.endswith("._speedups"):
                assert (getattr(module, "__file__", None) or ".py").endswith(".py"), name


def python_c(code: str, *, cwd: Path | None = None, **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ASIOLIKE_")}
    environ.update(env)
    proc = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return [*proc.stdout.splitlines(), *proc.stderr.splitlines()]


_REPORT = """
import sys, asiolike
from asiolike import _build
from asiolike.beast.websocket import _mask
import asiolike.beast.websocket.stream
print(asiolike.__file__)
print(asiolike.compiled, _build.reason, _mask.accelerated)
print(sorted(n for n, m in sys.modules.items()
             if n.startswith("asiolike.") and not (m.__file__ or ".py").endswith(".py")))
"""


def test_no_extensions_imports_every_module_from_its_source() -> None:
    # The variable covers the compiled core and the C masking accelerator alike.
    file, state, extensions = python_c(_REPORT, ASIOLIKE_NO_EXTENSIONS="1")
    assert Path(file).parent == PACKAGE
    assert state == "False ASIOLIKE_NO_EXTENSIONS is set False"
    assert extensions == "[]"


def test_no_extensions_0_means_unset() -> None:
    assert python_c(_REPORT, ASIOLIKE_NO_EXTENSIONS="0") == python_c(_REPORT)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the imported package (with whatever it has compiled), importable from
    ``tmp_path``."""
    shutil.copytree(PACKAGE, tmp_path / "asiolike", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_an_edited_source_is_not_shadowed_by_its_stale_compiled_module(
    package_copy: Path,
) -> None:
    # An editable install's compiled modules, then a developer edits one source: the import
    # warns and uses the pure-Python modules (all of them: the compiled ones call each
    # other directly), so the edit runs.
    manifest = package_copy / "asiolike" / _build.MANIFEST
    edited = "asiolike/detail/scheduler.py"
    lines = manifest.read_text().splitlines() if manifest.exists() else []
    lines = [line for line in lines if not line.endswith(f"  {edited}")]
    manifest.write_text("\n".join([*lines, f"{'0' * 64}  {edited}"]) + "\n")
    source = package_copy / edited
    source.write_text(source.read_text() + "\nEDITED = True\n")
    out = python_c(
        _REPORT + "import asiolike.detail.scheduler as s; print(s.EDITED)\n", cwd=package_copy
    )
    file, state, extensions, edited_flag, *warning = out
    assert Path(file).parent == package_copy / "asiolike"
    assert state.startswith("False sources changed since they were compiled")
    # The pure modules, and the C masking accelerator when it was built.
    assert extensions in ("[]", "['asiolike.beast.websocket._speedups']")
    assert edited_flag == "True"
    assert any(
        "stale_build_warning: asiolike/detail/scheduler.py changed since asiolike" in line
        for line in warning
    ), warning


@pytest.mark.skipif(not _build.compiled_modules, reason="this install has no compiled modules")
def test_an_unchanged_copy_of_a_compiled_install_runs_compiled(package_copy: Path) -> None:
    _, state, extensions = python_c(_REPORT, cwd=package_copy)[:3]
    assert state.startswith("True compiled with mypyc")
    assert "asiolike.detail.scheduler" in extensions
