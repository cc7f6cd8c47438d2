#!/usr/bin/env bash
# Installs a PyPI tool the tests run, pinned with its dependencies (the requirements.txt in DIR), into a
# virtualenv outside the clone, in the cache build-fabric.sh uses:
# ${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/gridledger}/NAME-<version of PACKAGE>. Needs python3 with venv
# and pip (Debian: python3-venv, python3-pip; the bootstrap installs them). Prints the path of the
# virtualenv's BIN. Usage: install-pypi-tool.sh DIR PACKAGE NAME BIN
set -euo pipefail
dir="$1" package="$2" name="$3" bin="$4"
version="$(sed -n "s/^$package==//p" "$dir/requirements.txt")"
venv="${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridledger}/$name-$version"
if [ ! -x "$venv/bin/$bin" ] || ! cmp -s "$dir/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$dir/requirements.txt" >&2
  cp "$dir/requirements.txt" "$venv/requirements.txt"
fi
echo "$venv/bin/$bin"
