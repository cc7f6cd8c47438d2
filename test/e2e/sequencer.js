const { readFileSync } = require('node:fs');
const { extract, parse } = require('jest-docblock');
const Sequencer = require('@jest/test-sequencer').default;
const { needsOf } = require('./file-lock');

/**
 * The unit files first, then the end-to-end files grouped by the metering parameters they need
 * (file-lock.js: one class at a time shares the platform, two files at once), by name within a
 * group: first those that run alone but stop nothing (30- closes windows of the platform's
 * community at intervals counted back from its start, and the files after it, 31- and 32-, close
 * others counted back from theirs: their numbers assume that 30- runs first), then the
 * minute-interval markets, then the rest, and last those that stop nodes (80-, 90-) and the whole
 * platform (99-).
 */
class ByClass extends Sequencer {
  sort(tests) {
    const rank = new Map(tests.map((t) => [t.path, rankOf(t.path)]));
    return [...tests].sort((a, b) => rank.get(a.path) - rank.get(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

function rankOf(path) {
  if (!path.includes('/test/e2e/')) return 0;
  const { metering, lockClass } = needsOf(parse(extract(readFileSync(path, 'utf8'))));
  if (lockClass === 'alone') return /\/(80|90|99)-[^/]*$/.test(path) ? 5 : 1;
  if (metering.intervalSeconds < 900) return metering.lateWindowSeconds < 3600 ? 2 : 3;
  return 4;
}

module.exports = ByClass;
