#!/usr/bin/env bash
# Set up (.venv, see install.sh) and start the app on the embedded default models: http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python app.py "$@"
