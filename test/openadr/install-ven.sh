#!/usr/bin/env bash
# Installs the third-party OpenADR 3 VEN client oadr30-ven-ud (Universal Devices, PyPI), pinned with its
# dependencies (requirements.txt beside this script), into the cache (test/install-pypi-tool.sh).
# test/e2e/57-openadr-vtn.test.ts runs ven.py with its python. Prints the path of the virtualenv's python.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../install-pypi-tool.sh" "$here" oadr30-ven-ud oadr30-ven python
