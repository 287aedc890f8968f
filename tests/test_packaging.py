"""The sdist is complete, and a wheel built from it passes tests run from it (issue 15).

One test, in steps, bounded by one deadline (:data:`BUDGET`; about 15 s used of it on a
quiet machine with two cores):

1. build the sdist from this checkout (``python -m build --sdist --no-isolation``: the
   build tools come with the ``test`` extra, so nothing is downloaded) and check that it
   holds every file git tracks: ``tests/`` with each ``conftest.py``, ``examples/``,
   ``docs/``, ``.ci/``;
2. unpack it and build a wheel from the unpacked tree, as ``pip install asiolike.tar.gz``
   would on a machine without a C compiler (``CC=/nonexistent``): the build must still
   succeed, with the pure-Python package (no compiled core, no masking accelerator; the
   compiled build is what ``.ci/run``'s editable install tests);
3. install the wheel into a fresh virtualenv (``--no-index --no-deps``) that sees the
   current environment's packages (pytest, websockets...) through a ``.pth`` line, move
   the unpacked ``asiolike/`` sources aside so that only the wheel can be imported, and
   check that ``python -m asiolike --version`` names the build the wheel holds (pure);
4. run a subset of the suite from the unpacked tree against that wheel.

The subset (:data:`SUBSET`, about 10 s) is chosen to cover what the packaging can break,
not the library's logic (the full suite does that, once): the command line and the demo
(a WebSocket session end to end, ``--version`` naming the build), the C masking
accelerator against the pure-Python one, the shipped examples run as programs, a test
folder with its own ``conftest.py`` (``tests/ip``), and the WebSocket interop tests against
the ``websockets`` library. The whole suite from the sdist would double CI time.
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import sysconfig
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: The bound on the whole test, in seconds: it takes about 15 s on a quiet two-core machine,
#: and about 60 s while other test runs load it (a load average of 8); the bound catches a
#: hang, not a slow machine.
BUDGET = 120.0

SUBSET = [
    "tests/test_main.py",
    "tests/beast/websocket/test_mask.py",
    "tests/examples",
    "tests/ip",
    "tests/beast/websocket/test_stream_interop.py",
]

pytestmark = pytest.mark.packaging


class deadline:
    """What is left of :data:`BUDGET` for each step's subprocess."""

    def __init__(self) -> None:
        self.end = time.monotonic() + BUDGET

    def left(self) -> float:
        left = self.end - time.monotonic()
        assert left > 0, f"the packaging test went over its {BUDGET} s budget"
        return left


def run(args: list[str | Path], cwd: Path, bound: deadline, **env: str) -> str:
    """Run a step; fail the test with its output if it fails or takes too long."""
    # No ASIOLIKE_* either: .ci/run's pure-Python pass sets ASIOLIKE_NO_EXTENSIONS, and the
    # wheel is to be built and judged as an install without it.
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "PYTHONHOME") and not k.startswith("ASIOLIKE_")
    }
    environ.update(env)
    proc = subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=bound.left(),
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )
    return proc.stdout


def git_files() -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30
    ).stdout.decode()
    # A file deleted in the work tree but not yet in a commit is not in the sdist either.
    return {name for name in out.split("\0") if name and (ROOT / name).is_file()}


@pytest.fixture(scope="module")
def build_tools() -> None:
    for module in ("build", "setuptools_scm"):
        pytest.importorskip(module, reason='the build tools come with pip install -e ".[test]"')
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("the sdist is built from a git checkout (this is not one)")


def test_sdist_ships_the_tests_and_a_wheel_built_from_it_passes_them(
    build_tools: None, tmp_path: Path
) -> None:
    bound = deadline()

    # 1. The sdist, and what is in it.
    dist = tmp_path / "dist"
    run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", dist, "."],
        ROOT,
        bound,
    )
    (sdist,) = dist.glob("asiolike-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        shipped = {name.split("/", 1)[1] for name in names if "/" in name}
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4+: refuse odd members
            tar.extractall(tmp_path, filter="data")
        else:  # pragma: no cover
            tar.extractall(tmp_path)
    missing = sorted(git_files() - shipped)
    assert not missing, f"tracked files missing from the sdist: {missing}"
    for required in (
        "tests/conftest.py",
        "tests/ip/conftest.py",
        "tests/ssl/conftest.py",
        "examples/websocket_client_async.py",
        "docs/conf.py",
        "docs/porting.rst",
        "LICENSE",
        "README.md",
        "PKG-INFO",
    ):
        assert required in shipped, required
    tree = tmp_path / top
    metadata = (tree / "PKG-INFO").read_text()
    assert "License-Expression: BSL-1.0\n" in metadata
    assert "License-File: LICENSE\n" in metadata
    assert "Project-URL: Repository, " in metadata

    # 2. A wheel from the unpacked sdist.
    wheels = tmp_path / "wheels"
    run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", wheels, "."],
        tree,
        bound,
        CC="/nonexistent",
    )
    (wheel,) = wheels.glob("asiolike-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        members = zf.namelist()
    assert "asiolike/py.typed" in members
    # No compiler: the optional parts are left out, and nothing half-built is shipped.
    assert not [name for name in members if name.endswith((".so", ".pyd", ".sha256"))]
    assert not any(name.startswith(("tests/", "examples/", "docs/")) for name in members)

    # 3. A fresh virtualenv with the wheel; the test tools come from this environment.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, bound)
    python = venv / "bin" / "python"
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp_path, bound
    ).strip()
    # Plain path lines: this environment's .pth files (an editable asiolike) are not run.
    deps = [*site.getsitepackages(), sysconfig.get_paths()["purelib"]]
    Path(purelib, "asiolike-test-deps.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            python,
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            wheel,
        ],
        tmp_path,
        bound,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    # The sources go aside: the tests (and the processes they start) import the wheel.
    (tree / "asiolike").rename(tree / "asiolike.sources")
    where = run([python, "-c", "import asiolike; print(asiolike.__file__)"], tree, bound)
    assert where.startswith(str(venv)), where
    version = run([python, "-m", "asiolike", "--version"], tree, bound).splitlines()
    assert version[1].startswith("WebSocket masking: pure Python"), version
    assert version[2] == "Core: pure Python (not compiled)", version

    # 4. The subset, from the unpacked tree, against the wheel.
    # run() has checked the exit status; the summary says the tests did run.
    summary = run([python, "-m", "pytest", "-q", *SUBSET], tree, bound).splitlines()[-1]
    assert re.search(r"\b\d+ passed\b", summary) and not re.search(r"\b\d+ failed\b", summary)
