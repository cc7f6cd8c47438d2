#!/usr/bin/env bash
# Builds the pinned Fabric binaries (peer, orderer, configtxgen, osnadmin from the tools module
# network/fabric/go.mod; fabric-ca-server and fabric-ca-client from network/go.mod), verified against
# their go.sum files, and caches them outside the clone, keyed by both versions, so that a fresh clone (CI's, a
# user's) reuses an earlier build. Binaries already on PATH at the pinned versions are used instead.
# Prints the directory that holds the binaries as its last line.
#
#   GRIDLEDGER_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/gridledger)
set -euo pipefail

network_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod_version() { awk -v m="$1" '$1 == m { print $2 }' "$2"; }
ca_version=$(mod_version github.com/hyperledger/fabric-ca "$network_dir/go.mod" | sed 's/^v//')
fabric_pseudo=$(mod_version github.com/hyperledger/fabric "$network_dir/fabric/go.mod")
fabric_version=$(sed -n 's/^# fabric-release: *//p' "$network_dir/fabric-release")
[ -n "$ca_version" ] && [ -n "$fabric_pseudo" ] && [ -n "$fabric_version" ] \
  || { echo "build-fabric: versions missing from network/go.mod, network/fabric/go.mod or network/fabric-release" >&2; exit 1; }
# The release commit named in fabric-release must be the one go.mod pins.
fabric_commit=$(sed -n 's/^# fabric-commit: *//p' "$network_dir/fabric-release")
case "$fabric_pseudo" in *"-$fabric_commit") ;; *)
  echo "build-fabric: fabric/go.mod pins $fabric_pseudo, fabric-release names commit $fabric_commit" >&2; exit 1;;
esac

cache_root=${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridledger}
# The key names both versions and a hash of both go.sum files: the same versions built against other
# dependencies are other binaries (a dependency bump once broke fabric-ca-server at run time).
deps_hash=$(cat "$network_dir/go.sum" "$network_dir/fabric/go.sum" | sha256sum | cut -c1-12)
bin_dir="$cache_root/fabric-$fabric_version-ca-$ca_version-$deps_hash/bin"
fabric_tools=(peer orderer configtxgen osnadmin)

has_version() { # binary version -> true when the binary reports exactly that version
  "$1" version 2>/dev/null | grep -qx "[[:space:]]*Version: v\{0,1\}$2"
}
all_present() { # dir -> true when every binary there reports its pinned version
  has_version "$1/peer" "$fabric_version" && has_version "$1/orderer" "$fabric_version" \
    && "$1/configtxgen" -version 2>/dev/null | grep -qx "[[:space:]]*Version: $fabric_version" \
    && [ -x "$1/osnadmin" ] \
    && has_version "$1/fabric-ca-server" "$ca_version" && has_version "$1/fabric-ca-client" "$ca_version"
}
# osnadmin has no version command: on PATH it counts when it sits beside a peer of the right version.

# 1. Already on PATH at the pinned versions (all six in one directory)?
peer=$(command -v peer || true)
if [ -n "$peer" ] && all_present "$(dirname "$peer")" && [ -f "$(dirname "$peer")/core.yaml" ]; then
  echo "build-fabric: using Fabric $fabric_version and Fabric CA $ca_version from PATH" >&2
  dirname "$peer"
  exit 0
fi

# 2. Already built into the cache?
if all_present "$bin_dir" && [ -f "$bin_dir/core.yaml" ] && [ -f "$bin_dir/orderer.yaml" ]; then
  echo "$bin_dir"
  exit 0
fi

# 3. Build. go.sum pins every module; -mod=readonly refuses anything it does not list.
command -v go >/dev/null || { echo "build-fabric: Go is needed to build Fabric (see README, Prerequisites)" >&2; exit 1; }
command -v gcc >/dev/null || { echo "build-fabric: gcc is needed: fabric-ca-server's SQLite driver uses cgo" >&2; exit 1; }
echo "build-fabric: building Fabric $fabric_version and Fabric CA $ca_version into $bin_dir (minutes, once per machine)" >&2
staging=$(mktemp -d "${TMPDIR:-/tmp}/gl-fabric-build.XXXXXX")
trap 'rm -rf "$staging"' EXIT
start=$(date +%s)
(
  export GOFLAGS=-mod=readonly
  cd "$network_dir"
  echo "build-fabric: [1/2] fabric-ca-server, fabric-ca-client" >&2
  CGO_ENABLED=1 go build -trimpath \
    -ldflags "-X github.com/hyperledger/fabric-ca/lib/metadata.Version=$ca_version" \
    -o "$staging/" \
    github.com/hyperledger/fabric-ca/cmd/fabric-ca-server \
    github.com/hyperledger/fabric-ca/cmd/fabric-ca-client
  echo "build-fabric: [2/2] peer, orderer, configtxgen, osnadmin" >&2
  cd "$network_dir/fabric"
  CGO_ENABLED=0 go build -trimpath \
    -ldflags "-X github.com/hyperledger/fabric/common/metadata.Version=$fabric_version -X github.com/hyperledger/fabric/common/metadata.CommitSHA=$fabric_commit" \
    -o "$staging/" \
    "${fabric_tools[@]/#/github.com/hyperledger/fabric/cmd/}"
)
echo "build-fabric: built in $(( $(date +%s) - start )) s" >&2
# Fabric's sample configuration (core.yaml, orderer.yaml, configtx.yaml) ships inside the module.
sampleconfig=$(cd "$network_dir/fabric" && GOFLAGS=-mod=readonly go list -m -f '{{.Dir}}' github.com/hyperledger/fabric)/sampleconfig
cp "$sampleconfig/core.yaml" "$sampleconfig/orderer.yaml" "$staging/" && chmod 0644 "$staging/core.yaml" "$staging/orderer.yaml"
mkdir -p "$(dirname "$bin_dir")"
# Publish the finished build in one rename so that a concurrent or interrupted run never sees half of it.
rm -rf "$bin_dir.tmp.$$" && mv "$staging" "$bin_dir.tmp.$$" && rm -rf "$bin_dir" && mv "$bin_dir.tmp.$$" "$bin_dir"
trap - EXIT
echo "$bin_dir"
