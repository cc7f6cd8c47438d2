const { readFileSync } = require('node:fs');
const { extract, parse } = require('jest-docblock');
const Sequencer = require('@jest/test-sequencer').default;
const { needsOf } = require('./file-lock');

/**
 * The unit files first, then the end-to-end files grouped by the metering parameters they need
 * (file-lock.js: one class at a time shares the platform, two files at once), the minute-interval
 * markets first, those that run alone last (the ones that stop nodes, 80- and 90-, and the whole
 * platform, 99-, at the very end); by name within a group.
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
  if (lockClass === 'alone') return /\/(80|90|99)-[^/]*$/.test(path) ? 5 : 4;
  if (metering.intervalSeconds < 900) return metering.lateWindowSeconds < 3600 ? 1 : 2;
  return 3;
}

module.exports = ByClass;
