#!/usr/bin/env bash
# `npm test` after bootstrap.sh's test profile has built everything (tsc -b): first the lint
# (`npm run lint`: ESLint, Prettier, the type-check of test/e2e against the built workspaces), then
# jest with the arguments given. Arguments that name test files or paths (a .ts file, or a path with
# a /) skip the lint, so that a single file runs at once; `npm test` alone, or with options and
# project names only, lints first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
names_files=false
for arg in "$@"; do
  if [[ $arg != -* && ($arg == *.ts || $arg == */*) ]]; then names_files=true; fi
done
if [[ $names_files == false ]]; then
  echo "== npm run lint"
  npm run lint
fi
# The agents workspace's tests are ES modules (libp2p is ESM only): jest runs them in node's VM modules.
export NODE_OPTIONS="${NODE_OPTIONS:-} --experimental-vm-modules"
exec node_modules/.bin/jest "$@"
