#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages the tests drive for real
# (Debian's chromium for the browser tests; PostgreSQL for the evidence store, when
# .ci/postgres.sh is present), the Python test dependencies, the type checker (mypy), then
# pytest. pytest's exit code 5 (no tests collected) fails this script like any other
# non-zero status.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
if ! command -v chromium >/dev/null 2>&1; then
  $SUDO apt-get update -q && $SUDO apt-get install -y -q chromium
fi
if [ -f .ci/postgres.sh ]; then
  # installs and starts a throwaway server; prints "export JAKPATH_TEST_PG_URL=..."
  eval "$(bash .ci/postgres.sh)"
fi
python3 -m pip install -q -e ".[test]"
# type check of the core packages (kb, exposure, inhibition, matching, population; config in
# pyproject.toml [tool.mypy]) before the tests
python3 -m mypy
python3 -m pytest -q
