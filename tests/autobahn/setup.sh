#!/usr/bin/env bash
# Create tests/autobahn/.venv27 (Python 2.7) with Autobahn|Testsuite's wstest in it.
#
# Autobahn|Testsuite only runs on Python 2.7. Set PYTHON27 to another 2.7 interpreter if
# pyenv's is not where we expect it. Re-running is safe: an existing venv is reused.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv27"
py27="${PYTHON27:-$HOME/.pyenv/versions/2.7.18/bin/python}"

if [[ ! -x "$py27" ]]; then
    py27="$(command -v python2.7 || true)"
fi
if [[ -z "$py27" ]] || ! "$py27" -c 'import sys; sys.exit(sys.version_info[:2] != (2, 7))'; then
    echo "setup.sh: need a Python 2.7 interpreter (set PYTHON27=/path/to/python2.7)" >&2
    exit 1
fi

if [[ ! -x "$venv/bin/python" ]]; then
    # virtualenv 20.22 dropped support for creating Python 2 environments.
    if ! "$py27" -m virtualenv --version >/dev/null 2>&1; then
        "$py27" -m pip install --disable-pip-version-check 'virtualenv<20.22'
    fi
    "$py27" -m virtualenv -p "$py27" "$venv"
fi

# The wheel pins every dependency itself (Twisted 19.10.0, autobahn 0.10.9, ...). The
# extra pins cover what it leaves open, whose later releases no longer install on 2.7.
"$venv/bin/python" -m pip install --disable-pip-version-check \
    'autobahntestsuite==25.10.1' \
    -c "$here/constraints27.txt"

"$venv/bin/wstest" --help >/dev/null
echo "setup.sh: ready: $venv/bin/wstest"
