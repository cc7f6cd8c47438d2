#!/usr/bin/env bash
# Builds the pinned Toxiproxy server (the Go module github.com/Shopify/toxiproxy/v2, checked against the
# Go checksum database as `go install` does) and caches it outside the clone, like build-fabric.sh does
# for Fabric: the links between organizations of a network-namespace consortium (docs/consortium.md).
# Prints the path of the binary as its last line.
#
#   GRIDLEDGER_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/gridledger)
set -euo pipefail

version=v2.5.0
cache_root=${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridledger}
bin="$cache_root/toxiproxy-${version#v}/bin/toxiproxy-server"
if [ -x "$bin" ] && "$bin" -version 2>/dev/null | grep -q "${version#v}"; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null || { echo "build-toxiproxy: Go is needed to build Toxiproxy (see README, Prerequisites)" >&2; exit 1; }
echo "build-toxiproxy: building Toxiproxy $version into $(dirname "$bin")" >&2
staging=$(mktemp -d "${TMPDIR:-/tmp}/gl-toxiproxy-build.XXXXXX")
trap 'rm -rf "$staging"' EXIT
GOBIN="$staging" CGO_ENABLED=0 go install -trimpath \
  -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=${version#v}" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@$version"
mkdir -p "$(dirname "$bin")"
mv "$staging/server" "$bin.tmp.$$" && mv "$bin.tmp.$$" "$bin"
echo "$bin"
