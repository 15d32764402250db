#!/usr/bin/env bash
# Publishes the Python distributions (default: dist/sdk/*.whl) to a package index with twine, the way
# scripts/release.sh --publish does, and safely run again: a file the index already lists with the same
# sha256 is skipped; one it lists with another sha256 is refused, naming both (tools/pypipublish).
#
#   scripts/publish-pypi.sh [--dry-run] [FILE...]
#
# Environment:
#   PYPI_TOKEN           the index's API token, sent by twine as the password of the user __token__; it is
#                        passed in twine's environment, never on a command line, and never printed
#   PYPI_INDEX_URL       the index's simple API root (default: pip's default index)
#   PYPI_REPOSITORY_URL  twine's upload URL (default: twine's own, the same index)
set -euo pipefail
cd "$(dirname "$0")/.."

dry=()
if [ "${1:-}" = --dry-run ]; then dry=(-dry-run); shift; fi
files=("$@")
[ ${#files[@]} -gt 0 ] || files=(dist/sdk/*.whl)
[ -f "${files[0]}" ] || { echo "publish-pypi: no wheel in dist/sdk: run scripts/release.sh --sdk first" >&2; exit 1; }

# A dry run installs nothing: without .tools/python it names the tools instead of their paths.
[ ${#dry[@]} -gt 0 ] || bash scripts/python-tools.sh
py=.tools/python/bin/python twine=$PWD/.tools/python/bin/twine
[ -x "$py" ] || twine=twine
index=${PYPI_INDEX_URL:-}
if [ -z "$index" ]; then
  # pip's own default index, where twine's default upload lands; its address lives in pip, not here.
  index=$("$py" -c 'from pip._internal.models.index import PyPI; print(PyPI.simple_url)' 2>/dev/null) || index="<pip's default index>"
fi
repo=()
[ -z "${PYPI_REPOSITORY_URL:-}" ] || repo=(-repository-url "$PYPI_REPOSITORY_URL")
go run ./tools/cmd/pypi-publish -index-url "$index" "${repo[@]}" -twine "$twine" "${dry[@]}" "${files[@]}"
