#!/usr/bin/env bash
# Set up and start the chat app on the embedded default models: http://127.0.0.1:7860
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec "${PYTHON:-python3}" app.py "$@"
