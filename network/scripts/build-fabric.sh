#!/usr/bin/env bash
# Builds the Fabric CA binaries (fabric-ca-server, fabric-ca-client) from the pinned tools module
# in network/go.mod and caches them outside the clone, keyed by version, so that a fresh clone
# (CI's, a user's) reuses an earlier build. Binaries already on PATH at the pinned version are used
# instead. Prints the directory that holds the binaries as its last line.
#
#   GRIDLEDGER_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/gridledger)
set -euo pipefail

network_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ca_version=$(awk '$1 == "github.com/hyperledger/fabric-ca" { sub(/^v/, "", $2); print $2 }' "$network_dir/go.mod")
[ -n "$ca_version" ] || { echo "build-fabric: no fabric-ca version in $network_dir/go.mod" >&2; exit 1; }

cache_root=${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridledger}
bin_dir="$cache_root/fabric-ca-$ca_version/bin"

has_version() { # binary version -> true when the binary reports exactly that version
  "$1" version 2>/dev/null | grep -qx "[[:space:]]*Version: $2"
}

# 1. Already on PATH at the pinned version?
server=$(command -v fabric-ca-server || true)
client=$(command -v fabric-ca-client || true)
if [ -n "$server" ] && [ -n "$client" ] && [ "$(dirname "$server")" = "$(dirname "$client")" ] \
  && has_version "$server" "$ca_version" && has_version "$client" "$ca_version"; then
  echo "build-fabric: using fabric-ca $ca_version from PATH" >&2
  echo "$(dirname "$server")"
  exit 0
fi

# 2. Already built into the cache?
if has_version "$bin_dir/fabric-ca-server" "$ca_version" && has_version "$bin_dir/fabric-ca-client" "$ca_version"; then
  echo "$bin_dir"
  exit 0
fi

# 3. Build. go.sum pins every module; -mod=readonly refuses anything it does not list.
command -v go >/dev/null || { echo "build-fabric: Go is needed to build fabric-ca (see README, Prerequisites)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "build-fabric: gcc is needed: fabric-ca-server's SQLite driver uses cgo" >&2; exit 1; }
echo "build-fabric: building fabric-ca $ca_version into $bin_dir (a few minutes the first time)" >&2
staging=$(mktemp -d "${TMPDIR:-/tmp}/gl-fabric-build.XXXXXX")
trap 'rm -rf "$staging"' EXIT
(
  cd "$network_dir"
  CGO_ENABLED=1 GOFLAGS=-mod=readonly go build -trimpath \
    -ldflags "-X github.com/hyperledger/fabric-ca/lib/metadata.Version=$ca_version" \
    -o "$staging/" \
    github.com/hyperledger/fabric-ca/cmd/fabric-ca-server \
    github.com/hyperledger/fabric-ca/cmd/fabric-ca-client
)
mkdir -p "$(dirname "$bin_dir")"
# Publish the finished build in one rename so that a concurrent or interrupted run never sees half of it.
rm -rf "$bin_dir.tmp.$$" && mv "$staging" "$bin_dir.tmp.$$" && rm -rf "$bin_dir" && mv "$bin_dir.tmp.$$" "$bin_dir"
trap - EXIT
echo "$bin_dir"
