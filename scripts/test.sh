#!/usr/bin/env bash
# Set up and run the whole test suite (lint, unit tests, real-component tests, browser test).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
PYTHON=${PYTHON:-python3}
"$PYTHON" -m ruff check .
"$PYTHON" -m pytest -q "$@"
