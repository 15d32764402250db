#!/usr/bin/env bash
# Builds the prebuilt plugin and command-line archives, their checksums and the SDK packages
# into dist/, and publishes a GitHub release of them.
#
#   scripts/release.sh --snapshot           all six targets, version <provider/VERSION's X.Y.Z>-snapshot.g<commit>
#   scripts/release.sh --host               this machine's target only (what CI builds)
#   scripts/release.sh --release            all six targets at the tag's version: HEAD must be tagged
#                                           v<provider/VERSION>
#   scripts/release.sh --set-version X.Y.Z  writes provider/VERSION and the golden schema's version, for the
#                                           release commit; nothing is built
# Options:
#   --version V   build as version V instead (not with --release)
#   --sdk         also build the SDK packages into dist/sdk: an npm tarball and a Python wheel
#   --publish     publish the GitHub release vV of $GITHUB_REPOSITORY with everything in dist/: a draft
#                 until every asset is uploaded, and safe to run again (needs --release and $GITHUB_TOKEN);
#                 with --sdk and $NPM_TOKEN, also the npm package (scripts/npm-publish.sh: likewise);
#                 with --sdk and $PYPI_TOKEN, also the wheel to the Python package index
#                 (scripts/publish-pypi.sh: safe to run again, refuses other content at a published version)
#   --dry-run     with --publish: print each request and its body instead of sending it; works with any build
#
# The command line ships beside the plugin, as circleci-oidc-v<V>-<os>-<arch>.tar.gz
# (the binary, README.md and LICENSE), built the same way and listed in the
# same checksums file.
#
# An archive is pulumi-resource-circleci-oidc-v<V>-<os>-<arch>.tar.gz, the name
# Pulumi asks a pluginDownloadURL for (sdk/go/common/workspace/plugins.go). It
# holds the binary (.exe on Windows), README.md and LICENSE at its root, and
# no PulumiPlugin.yaml: with one, `pulumi plugin install` would run the Go
# language host to build the plugin (pkg/workspace/plugin.go,
# installDependenciesForPluginSpec). The binaries are static (CGO_ENABLED=0),
# -trimpath, stripped (-s -w), with the version set by -X.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

NAME=circleci-oidc
PLUGIN=pulumi-resource-$NAME
MODULE=github.com/circleci-oidc/pulumi-circleci-oidc
SCHEMA=provider/cmd/$PLUGIN/schema.json
TARGETS=(linux-amd64 linux-arm64 darwin-amd64 darwin-arm64 windows-amd64 windows-arm64)
: "${GITHUB_REPOSITORY:=circleci-oidc/pulumi-circleci-oidc}"
: "${GITHUB_API:=${GITHUB_API_URL:-https://api.github.com}}"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "release: $*" >&2; exit 1; }
# SemVer 2.0 (semver.org's own pattern) without build metadata: Go drops "+..." from module versions, GitHub
# renames assets with "+", and the CircleCI tag filter would not match.
ident='(0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)'
semver_re="^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-$ident(\.$ident)*)?\$"

mode="" version="" sdk=false publish=false dry_run=false set_version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --snapshot|--host|--release) [ -z "$mode" ] || usage; mode=${1#--} ;;
    --set-version) [ $# -ge 2 ] || usage; set_version=$2; shift ;;
    --version) [ $# -ge 2 ] || usage; version=${2#v}; shift ;;
    --sdk) sdk=true ;;
    --publish) publish=true ;;
    --dry-run) dry_run=true ;;
    -h|--help) usage ;;
    *) echo "release: unknown argument $1" >&2; usage ;;
  esac
  shift
done

if [ -n "$set_version" ]; then
  set_version=${set_version#v}
  [[ $set_version =~ $semver_re ]] || die "--set-version $set_version is not a semver such as 1.2.3 or 1.2.4-dev (no +build)"
  # Every copy of the version, each kept equal by a test: TestSchemaMatchesGolden, TestGoSDKIsGenerated and,
  # for a release (no pre-release part), TestExamplesNameTheRelease. A development version such as
  # 1.2.4-dev, written after a release is tagged, leaves the examples on the last release.
  echo "$set_version" > provider/VERSION
  sed -i "0,/^  \"version\": \".*\",\$/s//  \"version\": \"$set_version\",/" "$SCHEMA"
  if [[ $set_version != *-* ]]; then
    v=$set_version
    sed -i "s/^      version: .*/      version: $v/" examples/yaml/Pulumi.yaml
    sed -i -E "s#(\"@circleci-oidc/pulumi-circleci-oidc\": )\"[^\"]*\"#\1\"$v\"#" examples/typescript/package.json
    sed -i -E "s#^pulumi-circleci-oidc==.*#pulumi-circleci-oidc==$v#" examples/python/requirements.txt
    sed -i "s/\(sdk\/go\/circlecioidc\) v[^ ]*\$/\1 v$v/" examples/go/go.mod
  fi
  go run ./tools/cmd/gen-sdk -lang go -out sdk/go
  if [[ $set_version == *-* ]]; then
    echo "provider/VERSION, the golden schema and sdk/go now say $set_version; the examples stay on the last release"
  else
    echo "provider/VERSION, the golden schema, the examples and sdk/go now say $set_version:"
    echo "commit them, then tag v$set_version (and sdk/go/circlecioidc/v$set_version for the Go SDK's module)"
  fi
  exit 0
fi
[ -n "$mode" ] || usage
$publish && [ "$mode" != release ] && ! $dry_run && die "--publish needs --release (or --dry-run to see the requests)"

file_version=$(tr -d '[:space:]' < provider/VERSION)
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
case "$mode" in
  release)
    [ -z "$version" ] || die "--release takes its version from the tag, not --version"
    tag=$(git describe --exact-match --tags --match 'v*' HEAD 2>/dev/null) || die "HEAD has no v* tag: tag the release commit first"
    version=${tag#v}
    [ "$version" = "$file_version" ] || die "HEAD is tagged $tag but provider/VERSION says $file_version: run scripts/release.sh --set-version $version, commit, and move the tag"
    [ -z "$(git status --porcelain)" ] || die "the work tree has changes: release only a clean, tagged commit"
    ;;
  # A snapshot is X.Y.Z-snapshot.g<commit> (git describe's "g"): dot-separated, so that the Python SDK, whose
  # wheel carries it as the PEP 440 local version X.Y.Z+snapshot.g<commit>, asks the engine for this same
  # plugin version again (pulumi's _utilities.py turns the local part back into the pre-release). A dash, or
  # provider/VERSION's own pre-release such as -dev, would not survive that round trip.
  *) [ -n "$version" ] || version="${file_version%%-*}-snapshot.g$commit" ;;
esac
[[ $version =~ $semver_re ]] || die "version $version is not a semver such as 1.2.3"
if [ "$mode" = host ]; then
  TARGETS=("$(go env GOOS)-$(go env GOARCH)")
elif [ -n "${RELEASE_TARGETS:-}" ]; then
  # Only for tests that run the release path in a tagged clone without paying for six cross-builds.
  read -r -a TARGETS <<< "$RELEASE_TARGETS"
fi

rm -rf dist && mkdir -p dist
echo "building $PLUGIN v$version for ${TARGETS[*]}"
# One timestamp for every file of every archive: the commit's, so that a rebuild gives the same bytes.
epoch=$(git log -1 --format=%ct 2>/dev/null || date +%s)
# build_archive BINARY PACKAGE LDFLAGS OS ARCH: builds one static binary and packs it, with README.md and
# LICENSE, into dist/BINARY-vVERSION-OS-ARCH.tar.gz, reproducibly: sorted entries, owner 0, the commit's
# mtime, gzip -n.
build_archive() {
  local bin=$1 pkg=$2 ldflags=$3 os=$4 arch=$5
  local exe=$bin; [ "$os" = windows ] && exe=$bin.exe
  local stage start archive
  stage=$(mktemp -d)
  start=$(date +%s)
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -buildvcs=false \
    -ldflags "-s -w $ldflags" -o "$stage/$exe" "$pkg"
  cp README.md LICENSE "$stage/"
  archive=dist/$bin-v$version-$os-$arch.tar.gz
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -C "$stage" -cf - "$exe" README.md LICENSE |
    gzip -9n > "$archive"
  rm -rf "$stage"
  printf '  %-48s %8d bytes  %ds\n' "$(basename "$archive")" "$(stat -c %s "$archive")" "$(( $(date +%s) - start ))"
}
for target in "${TARGETS[@]}"; do
  build_archive "$PLUGIN" "./provider/cmd/$PLUGIN" "-X $MODULE/provider.Version=$version" "${target%-*}" "${target#*-}"
done

# The command line, circleci-oidc, for the same targets: what the orb's install command downloads, so that a
# CircleCI job can run `circleci-oidc doctor --from-job` or `fleet up` without Go. `circleci-oidc version`
# prints the version and commit set here.
echo "building $NAME v$version for ${TARGETS[*]}"
cli_start=$(date +%s)
for target in "${TARGETS[@]}"; do
  build_archive "$NAME" ./cmd/$NAME "-X $MODULE/internal/cli.Version=$version -X $MODULE/internal/cli.Commit=$commit" \
    "${target%-*}" "${target#*-}"
done
echo "  $NAME: ${#TARGETS[@]} targets in $(( $(date +%s) - cli_start ))s"

if $sdk; then
  echo "building the SDK packages"
  mkdir -p dist/sdk
  gen=$(mktemp -d)
  go build -o "$gen/gen-sdk" ./tools/cmd/gen-sdk
  # TypeScript: the generated package as npm publish would send it. It ships its sources: its postinstall
  # script compiles them with the typescript it depends on, in the consumer's node_modules.
  "$gen/gen-sdk" -lang nodejs -version "$version" -out "$gen/nodejs"
  cp LICENSE "$gen/nodejs/"
  (cd "$gen/nodejs" && npm pack --silent --pack-destination "$root/dist/sdk" >/dev/null)
  # Python: a wheel built by the standard frontend from the generated pyproject.toml, with no network.
  "$gen/gen-sdk" -lang python -version "$version" -out "$gen/python"
  cp README.md LICENSE "$gen/python/"
  py=${RELEASE_PYTHON:-/usr/bin/python3}
  (cd "$gen/python" && SOURCE_DATE_EPOCH=$epoch "$py" -m build --wheel --no-isolation --skip-dependency-check --outdir "$root/dist/sdk" >/dev/null)
  rm -rf "$gen"
  for f in dist/sdk/*; do printf '  %-48s %8d bytes\n' "sdk/$(basename "$f")" "$(stat -c %s "$f")"; done
fi

# Checksums of everything a consumer downloads, in sha256sum's own format.
# Release assets are flat, so the names are basenames: sha256sum -c works on a folder of downloads.
(cd dist && find . -type f ! -name '*checksums.txt' ! -name metadata.json -printf '%P\n' | LC_ALL=C sort |
  while read -r f; do sha256sum "$f" | sed "s#  .*/#  #"; done) > "dist/${PLUGIN#pulumi-resource-}_${version}_checksums.txt"
printf '{"project_name":"%s","version":"%s","tag":"v%s","commit":"%s"}\n' "$NAME" "$version" "$version" "$commit" > dist/metadata.json
echo "dist/ holds v$version: $(find dist -type f | wc -l) files"

if $publish; then
  # A draft first, public only once every asset is uploaded; run again, it completes a failed run
  # (tools/ghrelease). The API's base URL comes from GITHUB_API_URL, the token from GITHUB_TOKEN.
  flags=(-repo "$GITHUB_REPOSITORY" -tag "v$version")
  [[ $version == *-* ]] && flags+=(-prerelease)
  $dry_run && flags+=(-dry-run)
  GITHUB_API_URL=$GITHUB_API go run ./tools/cmd/gh-release "${flags[@]}" \
    $(find dist -type f ! -name metadata.json | LC_ALL=C sort)
  # The wheel to the Python package index, when the job has the index's API token (PYPI_TOKEN, from a
  # CircleCI context); the dry run shows the upload, with the token hidden, whether it is set or not.
  if $sdk; then
    if $dry_run; then
      bash scripts/publish-pypi.sh --dry-run
    elif [ -n "${PYPI_TOKEN:-}" ]; then
      bash scripts/publish-pypi.sh
    else
      echo "PYPI_TOKEN is not set: the wheel is not published to the Python package index"
    fi
  fi
fi

# npm: the TypeScript SDK, when the job has a token (scripts/npm-publish.sh: safe to run again, never prints it).
if $publish && $sdk; then
  if $dry_run; then
    bash scripts/npm-publish.sh --dry-run dist/sdk/*.tgz
  elif [ -n "${NPM_TOKEN:-}" ]; then
    bash scripts/npm-publish.sh dist/sdk/*.tgz
  else
    echo "NPM_TOKEN is not set: the npm package is not published"
  fi
fi
