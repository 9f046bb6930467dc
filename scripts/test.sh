#!/usr/bin/env bash
# The whole test suite: once on SQLite, once on PostgreSQL, browser tests included.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin

eval "$(scripts/services.sh)"

# The tests start dozens of `dozor` processes: let Python keep the compiled code it makes
# (__pycache__, ignored by git) rather than compile Dozor's modules again in each of them, on a
# machine whose environment says not to (PYTHONDONTWRITEBYTECODE).
unset PYTHONDONTWRITEBYTECODE

echo "== tests on SQLite =="
env -u DOZOR_DATABASE_URL "$BIN/pytest" -n 2 --dist loadgroup -q "$@"

echo "== tests on PostgreSQL =="
DOZOR_DATABASE_URL=$DOZOR_TEST_DATABASE_URL "$BIN/pytest" -n 2 --dist loadgroup -q "$@"
