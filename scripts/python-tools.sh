#!/usr/bin/env bash
# Installs the Python tools pinned in tools/python/requirements.txt (twine, pypiserver, passlib) into
# .tools/python, a venv of Debian's python3 (python3-venv), only when it is missing or the pins changed.
# scripts/e2e-tools.sh runs it for the suite; scripts/publish-pypi.sh runs it before it uploads.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=$PWD/.tools/python
pin=$(sha256sum tools/python/requirements.txt | cut -c1-16)
if [ -x "$VENV/bin/twine" ] && [ -x "$VENV/bin/pypi-server" ] && [ "$(cat "$VENV/.pin" 2>/dev/null)" = "$pin" ]; then
  exit 0
fi
echo "installing twine, pypiserver and passlib (tools/python/requirements.txt) into .tools/python" >&2
start=$(date +%s)
rm -rf "$VENV"
/usr/bin/python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-virtualenv -r tools/python/requirements.txt >&2
echo "$pin" > "$VENV/.pin"
echo "installed the Python tools in $(( $(date +%s) - start ))s" >&2
