/**
 * The readings soak (issue 27 item 2; docs/bounded-state.md, "The soak"): GRIDLEDGER_BENCH_READINGS_ROUNDS
 * rounds of GRIDLEDGER_BENCH_READINGS_INTERVALS intervals × GRIDLEDGER_BENCH_READINGS_METERS meters,
 * one after the other on the growing ledger, at the offered rate; each round's rate, p95, CPU per
 * reading and every peer's state DB size.
 *
 * Time is compressed: a million meters make 1,111 readings/s of readings that are minutes old; a
 * bench's few thousand meters make the same rate only with readings of the past, one interval after
 * the other, oldest first, ending two days ago. With the archive on (GRIDLEDGER_BENCH_SOAK_ARCHIVE,
 * default 1), before each round the operator slides the horizons the way time slides them on a live
 * ledger: the late window (with the dispute and correction windows) covers the round about to be sent
 * plus two hours, the archive horizon is the shortest the chaincode allows (the late window plus a
 * day), and every hour older than that is archived
 * (metering:archiveReadingHour, pages of GRIDLEDGER_BENCH_SOAK_ARCHIVE_PAGE, default 2,000), timed
 * and costed on its own. The world state then holds the readings of about a round, whatever the
 * number received. GRIDLEDGER_BENCH_SOAK_ARCHIVE=0 is the ledger without the archive, for comparison.
 * The parameters are set back to the defaults at the end.
 *
 * Results: readings-soak.roundK, and readings.soakReadings, soakMinPerSec (the slowest round),
 * soakMaxP95Ms, soakCpuGrowthPct (the last round's CPU per reading over the first's, in %) and
 * soakStateGrowthPct (the Community peer's state DB after the last round over after the first), and
 * the machine's own drift: soakMachineGrowthPct (the machine probe, last round over first: see
 * machineProbeMs) and soakCpuGrowthPerProbePct (CPU per reading over the probe, last over first).
 */
const { generateKeyPairSync, sign, verify } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { formatInstant } = require('@gridledger/core/core');
const { DEFAULT_METERING_PARAMS } = require('@gridledger/core/metering');
const { ledgerClient } = require('@gridledger/network');
const { cpuSnapshot, cpuPerUnit } = require('./cpu');
const { peerStores } = require('./peer-stores');
const { percentile } = require('./stats');
const { intervalSigner, readingsThroughBridge } = require('./readings');

const DAY = 86_400;
const INTERVAL = 900;
/** The newest reading of the soak is this old: every horizon the chaincode asks for (a window's close and a day) is past. */
const END_AGE = 2 * DAY;
/** What the late window covers beyond the round about to be sent (the previous round's last readings stay in the state). */
const MARGIN = 2 * 3600;
const MAX_LATE_WINDOW = 30 * DAY;

async function readingsSoak({ profile, stateDir, byMeter, warmup, intervals, rounds, rate }, results, rows) {
  const archive = process.env.GRIDLEDGER_BENCH_SOAK_ARCHIVE !== '0';
  const pageSize = Number(process.env.GRIDLEDGER_BENCH_SOAK_ARCHIVE_PAGE ?? 2000);
  const total = warmup + intervals * rounds;
  const last = Math.floor((Date.now() / 1000 - END_AGE) / INTERVAL) * INTERVAL;
  const signer = intervalSigner(byMeter, total, last);
  if (END_AGE + total * INTERVAL + MARGIN > MAX_LATE_WINDOW)
    throw new Error(
      `the soak's ${total} intervals reach back further than the longest late window (30 days): use more meters and fewer intervals`,
    );
  const operator = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  const setParams = (change) => operator.submit('metering:setParams', JSON.stringify(change));
  const horizonFor = (firstStart) => Math.floor(Date.now() / 1000) - firstStart + MARGIN;
  const signRange = (from, count) => Array.from({ length: count }, (_, k) => signer.interval(from + k)).flat();
  const figures = [];
  let nextHour = Math.floor(signer.startOf(0) / 3600) * 3600;
  try {
    // The whole span at first: the warm-up and, without the archive, every round.
    const firstWindow = horizonFor(signer.startOf(0)) + (archive ? 0 : 3600);
    await setParams(archive ? horizonParams(firstWindow) : { lateWindowSeconds: Math.min(firstWindow, MAX_LATE_WINDOW) });
    if (warmup > 0) {
      const warm = await readingsThroughBridge(profile, signRange(0, warmup), rate);
      if (warm.committed === 0) throw new Error(`soak warm-up: none committed; refused: ${JSON.stringify(warm.refused)}`);
    }
    for (let k = 0; k < rounds; k++) {
      const from = warmup + k * intervals;
      const readings = signRange(from, intervals);
      let archived = { readings: 0, hours: 0, seconds: 0, cpu: undefined };
      if (archive) {
        const horizon = horizonFor(signer.startOf(from));
        await setParams(horizonParams(horizon));
        const { archiveAfterSeconds } = horizonParams(horizon);
        archived = await archiveDue(operator, stateDir, nextHour, Math.floor(Date.now() / 1000) - archiveAfterSeconds - 60, pageSize);
        nextHour = archived.nextHour;
      }
      const probeMs = machineProbeMs();
      const cpuBefore = cpuSnapshot(stateDir);
      const r = await readingsThroughBridge(profile, readings, rate);
      if (r.committed === 0) throw new Error(`soak round ${k + 1}: none committed; refused: ${JSON.stringify(r.refused)}`);
      const cpu = cpuPerUnit(cpuBefore, cpuSnapshot(stateDir), Math.max(1, r.committed));
      const stores = peerStores(stateDir);
      const round = {
        round: k + 1,
        readings: readings.length,
        committed: r.committed,
        committedPerSec: r.committed / Math.max(r.commitSeconds, 0.001),
        offeredPerSec: readings.length / r.publishSeconds,
        p95Ms: percentile(r.latencies, 95),
        cpuMsPerReading: cpu?.total,
        peersCpuMs: cpu?.byComponent.peer,
        cpuByComponent: cpu?.byComponent,
        stateDbMiB: Object.fromEntries(Object.entries(stores).map(([peer, s]) => [peer, mib(s.state)])),
        blockStoreMiB: mib(Object.values(stores)[0]?.blocks ?? 0),
        // The members' private data store (every version of the collection's keys unless purged) and the history DB.
        privateDataMiB: Object.fromEntries(Object.entries(stores).map(([peer, s]) => [peer, mib(s.privateData)])),
        historyMiB: mib(Object.values(stores)[0]?.history ?? 0),
        archived,
        refused: r.refused,
        machineProbeMs: probeMs,
      };
      figures.push(round);
      soakRound(round, results, rows);
      // A long run's rounds as they end: what a stopped run leaves.
      const row = rows[rows.length - 1];
      process.stderr.write(`soak ${new Date().toISOString()} round ${k + 1}/${rounds}: ${row.value} ${row.unit}; ${row.note}\n`);
    }
  } finally {
    const defaults = DEFAULT_METERING_PARAMS;
    await setParams({
      lateWindowSeconds: defaults.lateWindowSeconds,
      ...(archive ? pickWindows(defaults) : {}),
    }).catch((e) => process.stderr.write(`soak: the parameters were not set back: ${e.message}\n`));
    operator.close();
  }
  soakSummary(figures, archive, results, rows);
}

/**
 * The windows for a late window of `seconds`: disputes and corrections of estimates as long, and the archive horizon the
 * shortest the chaincode allows (the late window plus a day; core archiveFloorSeconds).
 */
const horizonParams = (seconds) => ({
  lateWindowSeconds: seconds,
  disputeWindowSeconds: seconds,
  correctionWindowSeconds: seconds,
  archiveAfterSeconds: seconds + DAY,
});

const PROBE_VERIFIES = 2000;
const probeKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const probeData = Buffer.alloc(200, 7);
const probeSig = sign('sha256', probeData, probeKeys.privateKey);

/**
 * The machine's speed before a round: the CPU milliseconds of a fixed piece of work (2,000 ECDSA
 * P-256 verifications, the platform's commonest operation) in the bench's process, while the
 * platform is between rounds. This shared 2-core VM changes speed by a fifth or more within an hour
 * (docs/bounded-state.md, the fourth run): a CPU per reading that rises with the probe rises with
 * the machine, not with the ledger.
 */
function machineProbeMs() {
  // The least of three: one alone moved by ±7 % from round to round on a quiet machine.
  let least = Infinity;
  for (let k = 0; k < 3; k++) {
    const before = process.cpuUsage();
    for (let i = 0; i < PROBE_VERIFIES; i++) verify('sha256', probeData, probeKeys.publicKey, probeSig);
    const used = process.cpuUsage(before);
    least = Math.min(least, used.user + used.system);
  }
  return Math.round(least / 100) / 10;
}

/** Archives every hour from `fromHour` whose end is at or before `until` (epoch seconds), page by page; what it cost. */
async function archiveDue(operator, stateDir, fromHour, until, pageSize) {
  const before = cpuSnapshot(stateDir);
  const start = performance.now();
  let readings = 0;
  let hours = 0;
  let hour = fromHour;
  for (; hour + 3600 <= until; hour += 3600) {
    let page;
    do {
      const answer = await operator.submit(
        'metering:archiveReadingHour',
        JSON.stringify({ hour: formatInstant(hour).slice(0, 13), pageSize }),
      );
      page = JSON.parse(answer.result);
    } while (!page.done);
    readings += page.count;
    hours += 1;
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = cpuPerUnit(before, cpuSnapshot(stateDir), Math.max(1, readings));
  return { readings, hours, seconds: round1(seconds), cpuMsPerReading: readings ? cpu?.total : undefined, nextHour: hour };
}

const pickWindows = (p) => ({
  disputeWindowSeconds: p.disputeWindowSeconds,
  correctionWindowSeconds: p.correctionWindowSeconds,
  archiveAfterSeconds: p.archiveAfterSeconds,
});
/** "peer 0.53, chaincode 0.41, …": an object's entries in its order ('?' when there is none). */
const listed = (byName) =>
  byName
    ? Object.entries(byName)
        .map(([name, value]) => `${name} ${value}`)
        .join(', ')
    : '?';
const mib = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
const round1 = (x) => Math.round(x * 10) / 10;

function soakRound(r, results, rows) {
  const { nextHour, ...archived } = r.archived;
  results.push({
    scenario: 'readings-soak',
    metric: `round${r.round}`,
    committedPerSec: round1(r.committedPerSec),
    p95Ms: Math.round(r.p95Ms),
    offeredPerSec: round1(r.offeredPerSec),
    committed: r.committed,
    readings: r.readings,
    cpuMsPerReading: r.cpuMsPerReading,
    peersCpuMs: r.peersCpuMs,
    cpuByComponent: r.cpuByComponent,
    stateDbMiB: r.stateDbMiB,
    blockStoreMiB: r.blockStoreMiB,
    privateDataMiB: r.privateDataMiB,
    historyMiB: r.historyMiB,
    archived,
    machineProbeMs: r.machineProbeMs,
  });
  const refused = Object.entries(r.refused).map(([c, n]) => `${n} ${c}`);
  rows.push({
    scenario: 'readings-soak',
    metric: `round${r.round}`,
    value: r.committedPerSec.toFixed(1),
    unit: 'readings/s',
    note:
      `offered ${r.offeredPerSec.toFixed(0)}/s, ${r.committed}/${r.readings} committed${refused.length ? ` (refused: ${refused.join(', ')})` : ''}, ` +
      `p95 ${r.p95Ms.toFixed(0)} ms, CPU ${r.cpuMsPerReading ?? '?'} ms per reading (${listed(r.cpuByComponent)}), ` +
      `state DB ${listed(r.stateDbMiB)} MiB, private data store ${listed(r.privateDataMiB)} MiB, history ${r.historyMiB} MiB, ` +
      `blocks ${r.blockStoreMiB} MiB, machine probe ${r.machineProbeMs} ms` +
      (archived.hours
        ? `; archived before it: ${archived.readings} readings of ${archived.hours} h in ${archived.seconds} s, CPU ${archived.cpuMsPerReading ?? '?'} ms each`
        : ''),
  });
}

/** The soak's figures over all its rounds (issue 27's "done when"). */
function soakSummary(figures, archive, results, rows) {
  if (figures.length === 0) return;
  const first = figures[0];
  const lastRound = figures[figures.length - 1];
  const slowest = Math.min(...figures.map((f) => f.committedPerSec));
  const worstP95 = Math.max(...figures.map((f) => f.p95Ms));
  const growth = (a, b) => (a && b ? Math.round(((b - a) / a) * 1000) / 10 : null);
  const community = (f) => Object.entries(f.stateDbMiB).find(([p]) => p.includes('community'))?.[1];
  const summary = [
    [
      'soakReadings',
      figures.reduce((n, f) => n + f.committed, 0),
      'readings',
      `${figures.length} rounds, archive ${archive ? 'on' : 'off'}`,
    ],
    ['soakMinPerSec', round1(slowest), 'readings/s', 'the slowest round'],
    ['soakMaxP95Ms', Math.round(worstP95), 'ms', 'the worst round'],
    ['soakCpuGrowthPct', growth(first.cpuMsPerReading, lastRound.cpuMsPerReading), '%', 'CPU per reading, last round over first'],
    ['soakMachineGrowthPct', growth(first.machineProbeMs, lastRound.machineProbeMs), '%', 'the machine probe, last round over first'],
    [
      'soakCpuGrowthPerProbePct',
      growth(first.cpuMsPerReading / first.machineProbeMs, lastRound.cpuMsPerReading / lastRound.machineProbeMs),
      '%',
      "CPU per reading over the machine probe, last round over first: the ledger's share of the growth",
    ],
    [
      'soakStateGrowthPct',
      growth(community(first), community(lastRound)),
      '%',
      "the Community peer's state DB, after the last round over after the first",
    ],
  ];
  for (const [metric, value, unit, note] of summary) {
    results.push({ scenario: 'readings', metric, value, unit, archive });
    rows.push({ scenario: 'readings', metric, value: String(value), unit, note });
  }
}

module.exports = { readingsSoak };
