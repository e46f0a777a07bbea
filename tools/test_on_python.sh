#!/usr/bin/env bash
# tools/test_on_python.sh X.Y [PYTEST_ARGS...]
#
# The unit and contract tests on CPython X.Y from pyenv, in a venv of its own,
# .venv-X.Y: built on first use with '.[dev]', reinstalled when pyproject.toml
# changes (stamp files, as the Makefile does for .venv) and rebuilt when pyenv's
# newest X.Y.N changes. `make test` runs it for the oldest and the newest
# claimed version, `make test-versions` for each.
#
# Left out, on purpose (the main pytest run in .venv covers them):
#   tests/e2e, tests/browser  the real-socket battery and headless Chromium
#   tests/test_autobahn.py    about 50 s of real servers, needs Python 2.7
#   tests/test_ram_budgets.py measures the MicroPython binary (.venv's), not
#                             CPython: the same numbers on every version
#   tests/test_packages.py    mip installs under that binary, likewise
# What remains takes about 20 s per version on a 2-core machine.
#
# Exit status: pytest's; 1 if the venv cannot be built; 0 with a loud
# "== SKIPPED" line when pyenv has no X.Y (a missing version is reported,
# it does not fail make test).
set -u
cd "$(dirname "$0")/.."

version=${1:?usage: tools/test_on_python.sh X.Y [PYTEST_ARGS...]}
shift
venv=.venv-$version
stamp_python=$venv/.stamp-python
stamp_dev=$venv/.stamp-install-dev
export PIP_DISABLE_PIP_VERSION_CHECK=1

skip() {
    echo "== SKIPPED: Python $version not found in pyenv: $1"
    echo "== (install it with: pyenv install $version)"
    exit 0
}

# pyenv's newest X.Y.N (not X.Y.N-dev or X.Y.Nt builds)
if command -v pyenv >/dev/null 2>&1; then
    root=$(pyenv root)
else
    root=${PYENV_ROOT:-$HOME/.pyenv}
fi
[ -d "$root/versions" ] || skip "no $root/versions (is pyenv installed?)"
dir=$(ls -d "$root/versions/$version".* 2>/dev/null |
      grep -E "/$version\.[0-9]+\$" | sort -V | tail -n 1)
[ -n "$dir" ] || skip "no $root/versions/$version.N"
python=$dir/bin/python$version
[ -x "$python" ] || skip "no $python"

echo "== CPython $version ($python): unit and contract tests in $venv"

# (Re)build the venv when missing, broken, or made from another interpreter.
if [ "$(cat "$stamp_python" 2>/dev/null)" != "$python" ] ||
        ! "$venv/bin/python" -c '' 2>/dev/null; then
    rm -rf "$venv"
    "$python" -m venv "$venv" || { echo "== $venv: venv failed"; exit 1; }
    echo "$python" > "$stamp_python"
fi
if [ ! -e "$stamp_dev" ] || [ pyproject.toml -nt "$stamp_dev" ]; then
    "$venv/bin/python" -m pip install -q -e '.[dev]' ||
        { echo "== $venv: pip install -e '.[dev]' failed"; exit 1; }
    touch "$stamp_dev"
fi

# -p no:cacheprovider: .pytest_cache (--lf) stays the main run's. The fuzz
# properties run once, in the main run: about 20 s each time
exec "$venv/bin/python" -m pytest -p no:cacheprovider \
    --ignore=tests/e2e --ignore=tests/browser --ignore=tests/test_fuzz.py \
    --ignore=tests/test_autobahn.py --ignore=tests/test_ram_budgets.py \
    --ignore=tests/test_packages.py "$@"
