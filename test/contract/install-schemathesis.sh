#!/usr/bin/env bash
# Installs schemathesis, pinned with its dependencies (requirements.txt beside this script), into a
# virtualenv outside the clone, in the cache build-fabric.sh uses: ${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/gridledger}/schemathesis-<version>.
# test/e2e/23-openapi-contract.test.ts runs its `st`. Needs python3 with venv and pip (Debian:
# python3-venv, python3-pip; .ci/run installs them). Prints the path of `st`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(sed -n 's/^schemathesis==//p' "$here/requirements.txt")"
venv="${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridledger}/schemathesis-$version"
if [ ! -x "$venv/bin/st" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
echo "$venv/bin/st"
