#!/usr/bin/env bash
# Builds what the end-to-end suite needs into .tools/bin (git-ignored), each
# only when it is missing or its pin changed:
#   - the Pulumi CLI, pinned by tools/pulumi/go.mod (about 9 minutes cold on 2 cores);
#   - pulumi-language-yaml, pinned below (about 2 minutes cold);
#   - verdaccio, the npm registry the suite publishes the TypeScript SDK to and installs it from, pinned with
#     every dependency by tools/verdaccio/package-lock.json (npm ci into .tools/verdaccio);
# and, from Debian, what scripts/release.sh builds the Python wheel with and the
# suite installs it with: python3-build (the PEP 517 frontend), python3-setuptools and python3-wheel (the
# backend the generated pyproject.toml names; python3-build does not depend on them) and python3-venv;
# and, from the Python package index, into the .tools/python venv (scripts/python-tools.sh), twine,
# pypiserver and passlib, pinned by tools/python/requirements.txt: the suite's local index and its uploads.
set -euo pipefail
cd "$(dirname "$0")/.."

PULUMI_VERSION=v3.274.1
YAML_VERSION=v1.25.0
BIN="$PWD/.tools/bin"
mkdir -p "$BIN"

pin=$(cat tools/pulumi/go.mod tools/pulumi/go.sum | sha256sum | cut -c1-16)
if [ ! -x "$BIN/pulumi" ] || [ "$(cat "$BIN/.pulumi.pin" 2>/dev/null)" != "$PULUMI_VERSION-$pin" ]; then
  echo "building the pulumi CLI $PULUMI_VERSION from the module proxy"
  start=$(date +%s)
  (cd tools/pulumi && go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
    -o "$BIN/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  echo "$PULUMI_VERSION-$pin" > "$BIN/.pulumi.pin"
  echo "built pulumi in $(( $(date +%s) - start ))s"
fi

if [ ! -x "$BIN/pulumi-language-yaml" ] || [ "$(cat "$BIN/.yaml.pin" 2>/dev/null)" != "$YAML_VERSION" ]; then
  echo "building pulumi-language-yaml $YAML_VERSION"
  start=$(date +%s)
  GOBIN="$BIN" go install "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$YAML_VERSION"
  echo "$YAML_VERSION" > "$BIN/.yaml.pin"
  echo "built pulumi-language-yaml in $(( $(date +%s) - start ))s"
fi

vpin=$(sha256sum tools/verdaccio/package-lock.json | cut -c1-16)
if [ ! -x "$BIN/verdaccio" ] || [ "$(cat "$BIN/.verdaccio.pin" 2>/dev/null)" != "$vpin" ]; then
  echo "installing verdaccio from tools/verdaccio/package-lock.json"
  start=$(date +%s)
  rm -rf .tools/verdaccio && mkdir -p .tools/verdaccio
  cp tools/verdaccio/package.json tools/verdaccio/package-lock.json .tools/verdaccio/
  (cd .tools/verdaccio && npm ci --omit=dev --no-audit --no-fund --loglevel=error)
  ln -sf ../verdaccio/node_modules/.bin/verdaccio "$BIN/verdaccio"
  echo "$vpin" > "$BIN/.verdaccio.pin"
  echo "installed verdaccio $("$BIN/verdaccio" --version) in $(( $(date +%s) - start ))s"
fi

if ! /usr/bin/python3 -m build --version >/dev/null 2>&1 || ! /usr/bin/python3 -c 'import ensurepip, setuptools, wheel' 2>/dev/null; then
  echo "installing python3-build, python3-setuptools, python3-wheel and python3-venv from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq python3-build python3-setuptools python3-wheel python3-venv >/dev/null
fi

bash scripts/python-tools.sh

"$BIN/pulumi" version
