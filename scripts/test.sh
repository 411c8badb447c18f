#!/usr/bin/env bash
# Set up (.venv, see install.sh) and run the whole test suite (lint, unit tests, real-component tests, browser
# test). Arguments go to pytest, e.g. `bash scripts/test.sh -x -q -m "not llm and not browser"`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh dev
.venv/bin/python -m ruff check .
.venv/bin/python -m pytest -q "$@"
