#!/usr/bin/env bash
# Builds the end-to-end tools (once) and this machine's release (the archive
# and the SDK packages, into dist/), then runs the end-to-end suite through the
# real Pulumi engine, with stand-in aws and tls providers against moto.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/e2e-tools.sh
bash scripts/release.sh --host --sdk --publish --dry-run
go run ./tools/cmd/orb-pack -out dist/orb.yml -publish circleci-oidc/circleci-oidc -dry-run
export PATH="$PWD/.tools/bin:$PATH" CIRCLECI_OIDC_E2E=1
go test -race -count=1 -timeout 25m -v ./tests/e2e ./internal/stackout "$@"
