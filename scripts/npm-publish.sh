#!/usr/bin/env bash
# Publishes the TypeScript SDK's npm tarball, as scripts/release.sh --publish does when the release job has
# NPM_TOKEN:
#
#   scripts/npm-publish.sh [--dry-run] dist/sdk/circleci-oidc-pulumi-circleci-oidc-<version>.tgz
#
# The registry is npm's own default (`npm config get registry`) unless NPM_REGISTRY names another, as the
# end-to-end suite's verdaccio on 127.0.0.1. The token is $NPM_TOKEN. It reaches npm only through a temporary
# npmrc holding the line `//<registry>/:_authToken=${NPM_TOKEN}`, which npm expands itself: the token is never
# on a command line, in a file, in the output or in an error.
#
# Safe to run again. If the registry already has this name and version, the tarball's sha512 integrity and
# sha1 shasum are compared with the registry's dist.integrity and dist.shasum: the same is success with
# nothing sent; other content is a refusal that names both, since a published npm version never changes.
# A pre-release (1.2.3-rc.1) goes under the dist-tag `next`, so that `latest` stays on the last release.
#
# --dry-run sends nothing and needs no token: it checks the tarball and prints what would be published where,
# and its digests.
set -euo pipefail

die() { echo "npm-publish: $*" >&2; exit 1; }
dry_run=false
[ "${1:-}" = --dry-run ] && { dry_run=true; shift; }
[ $# -eq 1 ] || die "usage: scripts/npm-publish.sh [--dry-run] <package>.tgz"
tarball=$1
[ -f "$tarball" ] || die "$tarball: no such file (build it with scripts/release.sh --sdk)"

# The package's own name and version, read from the tarball as the registry will.
manifest=$(tar -xzOf "$tarball" package/package.json) || die "$tarball is not an npm package tarball (no package/package.json)"
read -r name version < <(node -e 'const m = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(m.name, m.version)' <<< "$manifest")
[ -n "$name" ] && [ -n "$version" ] || die "$tarball: package.json has no name or version"
integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
shasum=$(sha1sum "$tarball" | cut -d' ' -f1)
tag=latest
[[ $version == *-* ]] && tag=next

registry=${NPM_REGISTRY:-$(npm config get registry)}
registry=${registry%/}/
publish=(npm publish "$tarball" --access public --tag "$tag" --registry "$registry")

if $dry_run; then
  echo "dry run: ${publish[*]}"
  echo "dry run: $name@$version, integrity $integrity, shasum $shasum"
  echo "dry run: if $registry already has $name@$version, success when its dist.integrity is $integrity, a refusal otherwise"
  echo "(dry run: nothing was sent)"
  exit 0
fi
[ -n "${NPM_TOKEN:-}" ] || die "NPM_TOKEN is not set: give the release job a token that may publish $name"

# npm reads the token from the environment when it loads this file; the file holds only the reference.
npmrc=$(mktemp)
trap 'rm -f "$npmrc"' EXIT
{
  echo "registry=$registry"
  echo "${name%%/*}:registry=$registry"
  echo "//${registry#*://}:_authToken=\${NPM_TOKEN}"
} > "$npmrc"
export NPM_CONFIG_USERCONFIG=$npmrc

# published prints the registry's "integrity shasum" of name@version, or nothing when it has no such version.
published() {
  local out
  if ! out=$(npm view "$name@$version" dist --json --prefer-online --registry "$registry" 2>&1); then
    grep -q '"code": "E404"\|code E404' <<< "$out" && return 0
    die "asking $registry for $name@$version failed: $(grep -m1 -E 'error|"summary"' <<< "$out")"
  fi
  [ -n "$out" ] || return 0
  node -e 'const d = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(d.integrity || "-", d.shasum || "-")' <<< "$out"
}

# same tells whether the registry's digests are this tarball's; it refuses other content.
same() {
  local theirs_integrity=$1 theirs_shasum=$2
  if [ "$theirs_integrity" = "$integrity" ] || { [ "$theirs_integrity" = - ] && [ "$theirs_shasum" = "$shasum" ]; }; then
    echo "npm: $name@$version is already on $registry with the same content ($integrity): nothing to do"
    return 0
  fi
  die "$name@$version is already on $registry with other content: the registry has $theirs_integrity (shasum $theirs_shasum), $tarball is $integrity (shasum $shasum); a published version never changes: release a new version"
}

digests=$(published)
if [ -n "$digests" ]; then
  same $digests
  exit 0
fi
echo "npm: publishing $name@$version ($integrity) to $registry under the dist-tag $tag"
if ! out=$("${publish[@]}" 2>&1); then
  # Another run may have published it in between: the registry then refuses the version, and its digests decide.
  digests=$(published)
  [ -n "$digests" ] && { same $digests; exit 0; }
  echo "$out" >&2
  die "npm publish of $name@$version to $registry failed"
fi
echo "npm: published $name@$version"
