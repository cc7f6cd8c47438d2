const { mkdirSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const { basename, join } = require('node:path');

/**
 * Test files share the run's platform two at a time (jest's two workers), except the files that
 * stop nodes, restart the bridge or the broker, or count the platform's requests: those run alone.
 * A readers-writer lock in the state directory, between jest's worker processes: a shared holder
 * is a file in `shared/`, the exclusive holder the file `exclusive`, and a file waiting to run alone
 * leaves `waiting-<name>` so that no new shared holder starts before it (no starvation). Every
 * change happens under `guard`, a directory whose creation is atomic.
 */
const ALONE = /\/(26-metrics|80-restarts|90-faults|99-down-up)\.test\.ts$/;
const POLL_MS = 200;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function locksDir() {
  const state = process.env.GRIDLEDGER_TEST_STATE;
  if (!state) throw new Error('GRIDLEDGER_TEST_STATE is not set: the e2e global setup did not run');
  return join(state, 'file-locks');
}

async function underGuard(dir, f) {
  mkdirSync(join(dir, 'shared'), { recursive: true });
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

/** Waits until this test file may run; answers the function that releases the lock. */
async function acquire(testPath) {
  const dir = locksDir();
  const name = `${basename(testPath)}-${process.pid}`;
  const alone = ALONE.test(testPath);
  for (;;) {
    const got = await underGuard(dir, () => {
      const entries = readdirSync(dir);
      const busyAlone = entries.includes('exclusive');
      if (alone) {
        writeFileSync(join(dir, `waiting-${name}`), '');
        if (busyAlone || readdirSync(join(dir, 'shared')).length > 0) return false;
        rmSync(join(dir, `waiting-${name}`), { force: true });
        writeFileSync(join(dir, 'exclusive'), name);
        return true;
      }
      if (busyAlone || entries.some((e) => e.startsWith('waiting-'))) return false;
      writeFileSync(join(dir, 'shared', name), '');
      return true;
    });
    if (got) break;
    await sleep(POLL_MS);
  }
  return () => rmSync(join(dir, alone ? 'exclusive' : join('shared', name)), { force: true });
}

/** The run's start: no lock is left from an earlier run that used the same state directory. */
function clearLocks() {
  rmSync(locksDir(), { recursive: true, force: true });
}

module.exports = { acquire, clearLocks, ALONE };
