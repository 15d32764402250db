#!/usr/bin/env bash
# Installs the circleci-oidc command line of release PARAM_VERSION for this executor, from
# PARAM_DOWNLOAD_URL/v<version>/<asset>, after checking the archive's sha256 against the release's checksums
# file. Each version and platform is kept in PARAM_INSTALL_DIR/<PARAM_VERSION>/<os>-<arch>; PATH is extended
# through $BASH_ENV for the job's later steps.
set -euo pipefail
say() { printf 'circleci-oidc/install: %s\n' "$*"; }
die() { printf 'circleci-oidc/install: %s\n' "$*" >&2; exit 1; }

version=${PARAM_VERSION#v}
base=${PARAM_DOWNLOAD_URL%/}
dir=${PARAM_INSTALL_DIR/#\~/$HOME}
[ -n "$version" ] || die "the version parameter is empty: give a release such as 0.3.0"
case "$version" in
  *[!0-9A-Za-z.-]*) die "version $version is not a release version such as 0.3.0" ;;
esac
case "$base" in
  https://*) ;;
  *) die "download_url $base is not https://: the checksums file would come over the same unprotected connection as the archive" ;;
esac

kernel=$(uname -s) machine=$(uname -m)
case "$kernel" in
  Linux) os=linux ;;
  Darwin) os=darwin ;;
  MINGW*|MSYS*|CYGWIN*|Windows_NT) os=windows ;;
  *) os="" ;;
esac
case "$machine" in
  x86_64|amd64) arch=amd64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) arch="" ;;
esac
if [ -z "$os" ] || [ -z "$arch" ]; then
  die "this executor is $kernel $machine; circleci-oidc ships for linux, darwin and windows on amd64 (x86_64) and arm64 (aarch64): pick an executor of one of those"
fi
exe=circleci-oidc; [ "$os" = windows ] && exe=circleci-oidc.exe

# The folder is named by the version as given, v or not, since that is the one save_cache keeps
# (install_dir/ then the version parameter); $PARAM_VERSION is $version, checked above, after an optional v.
target="$dir/$PARAM_VERSION/$os-$arch"
if [ -x "$target/$exe" ] && [ -s "$target/.sha256" ]; then
  say "circleci-oidc $version for $os-$arch is cached in $target"
else
  asset="circleci-oidc-v$version-$os-$arch.tar.gz"
  sums="circleci-oidc_${version}_checksums.txt"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  fetch() { curl --fail --silent --show-error --location --retry 3 --proto '=https' --output "$2" "$1"; }
  say "downloading $base/v$version/$asset"
  fetch "$base/v$version/$sums" "$tmp/$sums" || die "could not download the checksums file $base/v$version/$sums: is $version a release?"
  fetch "$base/v$version/$asset" "$tmp/$asset" || die "could not download $base/v$version/$asset"
  # Lines as sha256sum -c reads them: "<hash>  <name>", or "<hash> *<name>" from sha256sum -b, CRLF or not.
  want=$(awk -v f="$asset" '{ sub(/\r$/, ""); n = $2; sub(/^\*/, "", n) } n == f { print tolower($1) }' "$tmp/$sums")
  [ -n "$want" ] || die "the release's checksums file $sums lists no $asset: refusing to install an unlisted archive"
  if command -v sha256sum >/dev/null 2>&1; then
    got=$(sha256sum "$tmp/$asset" | awk '{ print $1 }')
  else
    got=$(shasum -a 256 "$tmp/$asset" | awk '{ print $1 }')
  fi
  if [ "$got" != "$want" ]; then
    die "refusing $asset: its sha256 is $got, but the release's checksums file says $want; the download was changed on its way or on the server"
  fi
  say "sha256 $got matches the release's checksums file"
  mkdir -p "$tmp/unpacked" "$target"
  tar -xzf "$tmp/$asset" -C "$tmp/unpacked" "$exe"
  mv "$tmp/unpacked/$exe" "$target/$exe"
  chmod 0755 "$target/$exe"
  echo "$got  $asset" > "$target/.sha256"
fi

if [ -n "${BASH_ENV:-}" ]; then
  printf 'export PATH="%s:$PATH"\n' "$target" >> "$BASH_ENV"
fi
export PATH="$target:$PATH"
circleci-oidc version
