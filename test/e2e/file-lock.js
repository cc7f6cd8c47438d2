const { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

/**
 * Test files share the run's platform: three at a time in the class of minute intervals whose files
 * mostly wait for market intervals to pass, two at a time in the others, whose files keep the two
 * processors busy (jest runs three workers; capacityOf below). The metering parameters
 * are the channel's, one record for every community, so files that need different ones cannot run
 * together; files that stop nodes, restart the bridge or the broker, or count the platform's
 * requests run alone. A file says which in its first comment (jest's docblock pragmas):
 *
 *   @metering-interval 60        the metering interval it needs (default 900 s)
 *   @metering-late-window 30     the late window it needs (default 172800 s)
 *   @e2e-alone                   nothing else runs beside it
 *
 * Files of one class (equal metering parameters) run together, up to its capacity. A readers-writer lock in the state
 * directory, between jest's worker processes: a holder is a file in `holders/` naming its class,
 * a file that cannot start leaves a numbered mark in `waiting/`, and a newcomer does not pass an
 * older waiting file of another class (no starvation). Every change happens under `guard`, a
 * directory whose creation is atomic.
 */
const DEFAULT_INTERVAL = 900;
const DEFAULT_LATE_WINDOW = 172_800;
const POLL_MS = 200;
const ALONE = 'alone';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Classes whose files run three at once: the minute markets of the long late window, whose files
 * mostly wait for intervals to pass with small books. The minute markets of the short late window
 * place 11,000 orders (42-) and run a simulated community (66-): three at once on a loaded machine,
 * 42- missed its gate closure and 66-'s agents their bids (2026-12-07), so they stay two.
 */
const THREE_AT_ONCE = new Set(['60/2160000']);

/** How many files of a class run at once: one alone, three of THREE_AT_ONCE, two of the others. */
function capacityOf(lockClass) {
  if (lockClass === ALONE) return 1;
  return THREE_AT_ONCE.has(lockClass) ? 3 : 2;
}

/** The metering parameters a file needs and its class, from its docblock pragmas. */
function needsOf(pragmas) {
  const number = (name, fallback) => {
    const raw = pragmas[name];
    if (raw === undefined) return fallback;
    const value = Number(Array.isArray(raw) ? raw[0] : raw);
    if (!Number.isSafeInteger(value)) throw new Error(`@${name} must be a whole number of seconds, not ${raw}`);
    return value;
  };
  const metering = {
    intervalSeconds: number('metering-interval', DEFAULT_INTERVAL),
    lateWindowSeconds: number('metering-late-window', DEFAULT_LATE_WINDOW),
  };
  const alone = pragmas['e2e-alone'] !== undefined;
  return { metering, lockClass: alone ? ALONE : `${metering.intervalSeconds}/${metering.lateWindowSeconds}` };
}

function locksDir() {
  const state = process.env.GRIDLEDGER_TEST_STATE;
  if (!state) throw new Error('GRIDLEDGER_TEST_STATE is not set: the e2e global setup did not run');
  return join(state, 'file-locks');
}

async function underGuard(dir, f) {
  mkdirSync(join(dir, 'holders'), { recursive: true });
  mkdirSync(join(dir, 'waiting'), { recursive: true });
  for (;;) {
    try {
      mkdirSync(join(dir, 'guard'));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      await sleep(10);
    }
  }
  try {
    return f();
  } finally {
    rmSync(join(dir, 'guard'), { recursive: true, force: true });
  }
}

const classesIn = (dir, names) => names.map((n) => readFileSync(join(dir, n), 'utf8'));
const compatible = (a, b) => a === b && a !== ALONE;

/** Waits until a file of `lockClass` may run; answers the function that releases the lock. */
async function acquire(testPath, lockClass) {
  const dir = locksDir();
  const name = `${basename(testPath)}-${process.pid}`;
  let mark;
  for (;;) {
    const got = await underGuard(dir, () => {
      const holders = classesIn(join(dir, 'holders'), readdirSync(join(dir, 'holders')));
      const waiting = readdirSync(join(dir, 'waiting')).sort();
      const older = mark === undefined ? waiting : waiting.filter((w) => w < mark);
      const blocked =
        holders.some((c) => !compatible(c, lockClass)) ||
        holders.length >= capacityOf(lockClass) ||
        classesIn(join(dir, 'waiting'), older).some((c) => !compatible(c, lockClass));
      if (blocked) {
        if (mark === undefined) {
          mark = `${String(Date.now()).padStart(15, '0')}-${name}`;
          writeFileSync(join(dir, 'waiting', mark), lockClass);
        }
        return false;
      }
      if (mark !== undefined) rmSync(join(dir, 'waiting', mark), { force: true });
      writeFileSync(join(dir, 'holders', name), lockClass);
      return true;
    });
    if (got) break;
    await sleep(POLL_MS);
  }
  return () => rmSync(join(dir, 'holders', name), { force: true });
}

/** The run's start: no lock is left from an earlier run that used the same state directory. */
function clearLocks() {
  rmSync(locksDir(), { recursive: true, force: true });
}

module.exports = { acquire, capacityOf, clearLocks, needsOf };
