#!/usr/bin/env bash
# Installs the third-party OpenADR 3 VEN client oadr30-ven-ud (Universal Devices, PyPI), pinned with
# its dependencies (requirements.txt beside this script), into a virtualenv outside the clone, in the
# cache build-fabric.sh uses: ${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/gridledger}/oadr30-ven-<version>.
# test/e2e/57-openadr-vtn.test.ts runs ven.py with its python. Needs python3 with venv and pip (Debian:
# python3-venv, python3-pip). Prints the path of the virtualenv's python.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="$(sed -n 's/^oadr30-ven-ud==//p' "$here/requirements.txt")"
venv="${GRIDLEDGER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gridledger}/oadr30-ven-$version"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$here/requirements.txt" "$venv/requirements.txt"; then
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps --require-virtualenv -r "$here/requirements.txt" >&2
  cp "$here/requirements.txt" "$venv/requirements.txt"
fi
echo "$venv/bin/python"
