#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, integration and doc tests), then the
# Python tests once the Python package exists. This is the README's test command; .ci/run
# calls it unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --release --workspace

# Python tests (added with the Python package): run only when there are some.
if compgen -G "python/tests/test_*.py" >/dev/null; then
    python3 -m pip install --quiet -r python/requirements-test.txt
    python3 -m pytest -q python/tests
fi
