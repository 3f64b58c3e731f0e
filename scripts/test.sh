#!/usr/bin/env bash
# Set up (first run only) and run the whole suite: ruff, then core, page (AppTest) and browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
