#!/usr/bin/env bash
# Prints the end-to-end performance figures: preview and up times through the
# real engine, gRPC calls to the aws stand-in, TLS handshakes per preview; and
# the plugin's cold and warm build, binary size, start-up time and peak RSS; and a TypeScript and a
# Python user's wait from an empty folder to the first up (install by name from a local registry, then up).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/e2e-tools.sh >/dev/null
bash scripts/release.sh "${RELEASE_MODE:---snapshot}" --sdk >/dev/null
export PATH="$PWD/.tools/bin:$PATH" CIRCLECI_OIDC_E2E=1 E2E_FIGURES=1
go test -count=1 -timeout 20m -run '^(TestFigures|TestPluginFigures|TestReleaseFigures|TestTypeScriptFigures|TestPythonFigures)$' -v ./tests/e2e | grep -v -E '^(=== RUN|--- PASS|PASS|ok)'
