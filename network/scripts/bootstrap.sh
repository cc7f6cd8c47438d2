#!/usr/bin/env bash
# Runs a command on the pinned Node.js (.nvmrc) after installing what the profile needs and the
# machine lacks (bootstrap.js says what). package.json's start and test scripts come through here,
# so `npm start` and `npm test` work on a machine with only Debian's base, Go and any Node.js >= 18.
#
#   bash network/scripts/bootstrap.sh start|test|run COMMAND [ARGS...]
#   e.g. bash network/scripts/bootstrap.sh run npx jest test/e2e/10-readings.test.ts --selectProjects e2e
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bootstrap.sh start|test|run COMMAND [ARGS...]" >&2; exit 2; }
profile=$1
shift
command -v node >/dev/null \
  || { echo "bootstrap: a Node.js (any version from 18 on) and npm are needed to fetch the pinned one" >&2; exit 1; }
bin=$(node "$(dirname "${BASH_SOURCE[0]}")/bootstrap.js" "$profile")
# Every process from here on (npm, jest, the CLI and what it spawns with process.execPath) runs on it.
export PATH="$bin:$PATH" NODE="$bin/node" npm_node_execpath="$bin/node"
[ -d "$bin/../include/node" ] && export npm_config_nodedir="${bin%/bin}"
exec "$@"
