/**
 * CPU time of the platform's processes (their pid files in <stateDir>/pids) and of this process,
 * from /proc: what a scenario cost per unit, by component, beside its wall-clock rate. Linux only;
 * elsewhere `cpuSnapshot` returns undefined and the note says so.
 */
const { existsSync, readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return undefined;
  }
}

/** { component: ticks } for peer, orderer, chaincode, bridge, broker, gateway and this process ("bench"). */
function cpuSnapshot(stateDir) {
  if (!existsSync('/proc/self/stat')) return undefined;
  const groups = { bench: cpuTicks(process.pid) ?? 0 };
  for (const file of readdirSync(join(stateDir, 'pids'))) {
    const pid = readFileSync(join(stateDir, 'pids', file), 'utf8')
      .trim()
      .split(/\s+/)[0];
    const ticks = cpuTicks(pid);
    if (ticks === undefined) continue;
    const group = file.replace(/\.pid$/, '').split('.')[0];
    groups[group] = (groups[group] ?? 0) + ticks;
  }
  return groups;
}

/** Milliseconds of CPU per unit by component between two snapshots, biggest first, and the total. */
function cpuPerUnit(before, after, units) {
  if (!before || !after) return undefined;
  const perUnit = {};
  let total = 0;
  for (const [group, ticks] of Object.entries(after)) {
    const ms = ((ticks - (before[group] ?? 0)) * 1000) / TICKS_PER_SECOND / units;
    perUnit[group] = Number(ms.toFixed(2));
    total += ms;
  }
  const sorted = Object.fromEntries(Object.entries(perUnit).sort((a, b) => b[1] - a[1]));
  return { total: Number(total.toFixed(2)), byComponent: sorted };
}

module.exports = { cpuSnapshot, cpuPerUnit };
