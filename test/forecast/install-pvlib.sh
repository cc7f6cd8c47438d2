#!/usr/bin/env bash
# Installs pvlib 0.16.1 and demandlib 0.2.2 (PyPI), pinned with their dependencies (requirements.txt beside this
# script), into the cache (test/install-pypi-tool.sh). core/data/reference.py runs with its python and writes the
# fixture core/test/forecast/fixtures/reference.json; core/test/forecast/reference-pvlib.test.ts recomputes it
# when this virtualenv exists. Prints the path of the virtualenv's python.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../install-pypi-tool.sh" "$here" pvlib pvlib python
