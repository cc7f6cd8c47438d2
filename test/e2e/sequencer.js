const { readFileSync } = require('node:fs');
const { basename } = require('node:path');
const { extract, parse } = require('jest-docblock');
const Sequencer = require('@jest/test-sequencer').default;
const { needsOf } = require('./file-lock');

/**
 * The end-to-end files that take over a minute, with their time in a full run on the loaded machine
 * (seconds, lock waits left out); the others count as short. Within a class the longest go first, so
 * that the class does not end with one worker still on a long file while the other waits, idle, for
 * the next class (a class ends when its last file does).
 */
const LONG_FILES_SECONDS = {
  '66-simulation.test.ts': 260,
  '41-market-contracts.test.ts': 320,
  '42-market-pages.test.ts': 305,
  '23-openapi-contract.test.ts': 270,
  '55-flex-events.test.ts': 185,
  '52-grid-rest.test.ts': 180,
  '63-p2p-offers.test.ts': 180,
  '40-market.test.ts': 150,
  '62-beckn-storage.test.ts': 145,
  '05-start-demo.test.ts': 130,
  '31-metering-day.test.ts': 125,
  '49-grid-zonal.test.ts': 120,
  '51-grid-island.test.ts': 120,
  '59-dispatch-readings.test.ts': 115,
  '61-storage-contracts.test.ts': 60,
  '64-beckn-rest.test.ts': 60,
};

/**
 * The end-to-end files grouped by the metering parameters they need (file-lock.js: one class at a
 * time shares the platform, two files at once): first those that run alone but stop nothing (30-
 * closes windows of the platform's community at intervals counted back from its start, and the files
 * after it, 31- and 32-, close others counted back from theirs: their numbers assume that 30- runs
 * first), then the minute-interval markets of the short late window, then the unit files, then the
 * other minute-interval files, the rest, and last those that stop nodes (80-, 90-) and the whole
 * platform (99-). Within a group that shares the platform the longest files first
 * (LONG_FILES_SECONDS), then by name; the files that run alone by name.
 *
 * Why the unit files come where they do: they take no lock, and the short-late-window class is three
 * files of unequal length (42- 305 s, 66- 260 s, 05- 130 s) that run two at once (file-lock.js), so
 * two of the three workers would wait idle for the next class while 05- ends it; the unit files fill
 * that wait instead of opening the run.
 */
class ByClass extends Sequencer {
  sort(tests) {
    const place = new Map(tests.map((t) => [t.path, placeOf(t.path)]));
    const key = (t) => place.get(t.path);
    return [...tests].sort(
      (a, b) => key(a).rank - key(b).rank || key(b).seconds - key(a).seconds || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
    );
  }
}

/** The file's group in the run and, in a group that shares the platform, its expected time. */
function placeOf(path) {
  if (!path.includes('/test/e2e/')) return { rank: 2.5, seconds: 0 };
  const { metering, lockClass } = needsOf(parse(extract(readFileSync(path, 'utf8'))));
  if (lockClass === 'alone') return { rank: /\/(80|90|99)-[^/]*$/.test(path) ? 5 : 1, seconds: 0 };
  const seconds = LONG_FILES_SECONDS[basename(path)] ?? 0;
  if (metering.intervalSeconds < 900) return { rank: metering.lateWindowSeconds < 3600 ? 2 : 3, seconds };
  return { rank: 4, seconds };
}

module.exports = ByClass;
