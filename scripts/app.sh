#!/usr/bin/env bash
# Set up (first run only) and open the explorer: http://localhost:8501
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/streamlit run app/Home.py "$@"
