#!/usr/bin/env bash
# Installs schemathesis, pinned with its dependencies (requirements.txt beside this script), into the
# cache (test/install-pypi-tool.sh). test/e2e/23-openapi-contract.test.ts runs its `st`; the bootstrap
# installs it before jest. Prints the path of `st`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../install-pypi-tool.sh" "$here" schemathesis schemathesis st
