#!/usr/bin/env bash
# Every test of the project: the Rust workspace (unit, integration and doc tests), then the
# Python package's tests against the real MLX and NumPy. This is the README's test command;
# .ci/run calls it unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --release --workspace

# The Python package, built from this checkout (maturin shares cargo's target/ cache), and
# the oracles the Python tests compare against.
python3 -m pip install --quiet --disable-pip-version-check -r python/requirements-test.txt
python3 -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps ./crates/rmlx-python
python3 -m pytest -q python/tests
