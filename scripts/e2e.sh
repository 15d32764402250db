#!/usr/bin/env bash
# Builds the end-to-end tools (once) and runs the end-to-end suite through the
# real Pulumi engine, with stand-in aws and tls providers against moto.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/e2e-tools.sh
export PATH="$PWD/.tools/bin:$PATH" CIRCLECI_OIDC_E2E=1
go test -race -count=1 -timeout 20m -v ./tests/e2e ./internal/stackout "$@"
