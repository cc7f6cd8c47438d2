/**
 * The archive stage of docs/bounded-state.md on a network that state-bytes.js left up
 * (GRIDLEDGER_BENCH_STATE_BYTES_KEEP=1): restarts the chaincode servers on this build (chaincode as a
 * service: same package, new code), archives every hour of readings older than
 * GRIDLEDGER_BENCH_ARCHIVE_BEFORE (an ISO hour, exclusive) page by page, measures the peers' stores,
 * restarts the peers (LevelDB compacts on open) and measures again, then sends a second round of
 * readings (GRIDLEDGER_BENCH_ARCHIVE_ROUND2_METERS new meters, registered in batches, over the
 * GRIDLEDGER_BENCH_ARCHIVE_ROUND2_INTERVALS intervals that ended last) on the archived ledger, and a
 * resend of archived readings. `node test/bench/archive-hours.js <stateDir> <offset>`.
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { ledgerClient } = require('@gridledger/network');
const { layoutOf } = require('@gridledger/network/dist/up');
const { pidFile, logFile, peerEnv } = require('@gridledger/network/dist/fabric');
const { startProcess, stopProcess, waitHealthy } = require('@gridledger/network/dist/proc');
const { buildPackage, startChaincodeServer } = require('@gridledger/network/dist/chaincode');
const { orgPorts } = require('@gridledger/network/dist/profile');
const { api } = require('./api');
const { readingsThroughBridge, signedIntervals } = require('./readings');

/** The shortest horizon the parameters take (late window 0, plus the day of the window close): hours older than a day. */
const SHORT_HORIZON = { lateWindowSeconds: 0, disputeWindowSeconds: 0, correctionWindowSeconds: 0, archiveAfterSeconds: 86_400 };
const { percentile } = require('./stats');
const { DEFAULT_METERING_PARAMS: D } = require('@gridledger/core');
/** The horizons as they are by default, set back afterwards. */
const DEFAULT_HORIZON = ['archiveAfterSeconds', 'lateWindowSeconds', 'disputeWindowSeconds', 'correctionWindowSeconds'].reduce(
  (o, k) => ({ ...o, [k]: D[k] }),
  {},
);
const { peerStores } = require('./peer-stores');

const ORGS = ['community', 'regulator', 'utility'];
const REPO = join(__dirname, '..', '..');

async function restartChaincode(l) {
  for (const org of ORGS) {
    await stopProcess(pidFile(l, `chaincode.${org}`));
    await startChaincodeServer(l, org, buildPackage(l, org).packageId, REPO);
  }
}

async function restartPeers(l) {
  for (const org of ORGS) {
    const name = `peer.${org}`;
    await stopProcess(pidFile(l, name), 30_000);
    const pid = await startProcess({
      name,
      command: join(l.binDir, 'peer'),
      args: ['node', 'start'],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...peerEnv(l, org) },
      pidFile: pidFile(l, name),
      logFile: logFile(l, name),
    });
    await waitHealthy(name, `http://127.0.0.1:${orgPorts(org, l.offset).peerOperations}/healthz`, pid, logFile(l, name), 120_000);
  }
  await new Promise((r) => setTimeout(r, 15_000)); // gossip and the gateways reconnect
}

/** Archives each hour page by page until done; returns the records archived. */
async function archiveHours(client, hours, pageSize = 1000) {
  let total = 0;
  for (const hour of hours) {
    for (;;) {
      const { result } = await client.submit('metering:archiveReadingHour', JSON.stringify({ hour, pageSize }));
      const a = JSON.parse(result);
      if (a.done) {
        total += a.count;
        console.log(`${hour}: ${a.count} readings in ${a.pages} pages, root ${a.root.slice(0, 16)}…`);
        break;
      }
    }
  }
  return total;
}

async function round(profile, readings, label) {
  const r = await readingsThroughBridge(profile, readings, 1050);
  const f = {
    label,
    readings: readings.length,
    committed: r.committed,
    refused: r.refused,
    committedPerSec: Number((r.committed / Math.max(r.commitSeconds, 0.001)).toFixed(1)),
    p50Ms: Math.round(percentile(r.latencies, 50)),
    p95Ms: Math.round(percentile(r.latencies, 95)),
  };
  console.log(JSON.stringify(f));
  return f;
}

async function main() {
  const [stateDir, offset] = [process.argv[2], Number(process.argv[3])];
  const before = process.env.GRIDLEDGER_BENCH_ARCHIVE_BEFORE; // e.g. 2026-12-07T03
  const l = layoutOf({ stateDir, offset });
  const profile = JSON.parse(readFileSync(join(stateDir, 'network.json'), 'utf8'));
  const report = { stages: {} };
  const out = process.env.GRIDLEDGER_BENCH_STATE_BYTES_OUT ?? join(__dirname, 'results', 'archive-hours.json');
  const save = () => writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  await restartChaincode(l);
  const client = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  try {
    report.stages.beforeArchive = peerStores(stateDir);
    await client.submit('metering:setParams', JSON.stringify(SHORT_HORIZON));
    const hours = [];
    for (let t = Date.parse(`${before}:00:00Z`) - 36 * 3_600_000; t < Date.parse(`${before}:00:00Z`); t += 3_600_000)
      hours.push(new Date(t).toISOString().slice(0, 13));
    const t0 = Date.now();
    report.archived = await archiveHours(client, hours);
    report.archiveSeconds = (Date.now() - t0) / 1000;
    await client.submit('metering:setParams', JSON.stringify(DEFAULT_HORIZON));
    report.stages.afterArchive = peerStores(stateDir);
    save();
    console.log(JSON.stringify(report));
  } finally {
    client.close();
  }
  await restartPeers(l);
  report.stages.afterPeerRestart = peerStores(stateDir);
  save();
  console.log(JSON.stringify(report.stages.afterPeerRestart));
  const operatorKey = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8')).apiKeys.community['community-operator'];
  const readings = await batchMeters(profile, operatorKey);
  report.stages.beforeRound2 = peerStores(stateDir);
  report.round2 = await round(profile, readings, 'round 2 (archived ledger)');
  report.stages.afterRound2 = peerStores(stateDir);
  save();
  if (process.env.GRIDLEDGER_BENCH_ARCHIVE_RESEND) {
    // Readings of an archived hour, sent again: refused as archived, never accepted as new.
    const resend = JSON.parse(readFileSync(process.env.GRIDLEDGER_BENCH_ARCHIVE_RESEND, 'utf8'));
    report.resend = await round(profile, resend, 'resend of archived readings');
    save();
  }
}

/** New meters registered in batches (one key per household of 50 meters) and their readings of the intervals that ended last. */
async function batchMeters(profile, operatorKey) {
  const meters = Number(process.env.GRIDLEDGER_BENCH_ARCHIVE_ROUND2_METERS ?? 5000);
  const intervals = Number(process.env.GRIDLEDGER_BENCH_ARCHIVE_ROUND2_INTERVALS ?? 10);
  const all = await registerMeterBatches(profile, operatorKey, meters, 'arc');
  const last = Math.floor(Date.now() / 1000 / 900) * 900 - 900;
  return signedIntervals(all, intervals, last);
}

/** `meters` new meters, registered in batches of 500 by the operator, households of 50 meters sharing a key: their ids and keys. */
async function registerMeterBatches(profile, operatorKey, meters, prefix) {
  const tag = randomBytes(3).toString('hex');
  const all = [];
  for (let h = 0; h * 50 < meters; h++) {
    const participantId = `${prefix}-${tag}-${h}`;
    await api(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' });
    for (let m = 0; m < 50 && all.length < meters; m++)
      all.push({ meterId: `${participantId}.m${m}`, participantId, privateKey, publicKeyPem });
  }
  for (let i = 0; i < all.length; i += 500) {
    const batch = all.slice(i, i + 500).map(({ meterId, participantId, publicKeyPem }) => ({
      meterId,
      participantId,
      kind: 'bidirectional',
      publicKeyPem,
      exportCapacityW: 10000,
      communityId: profile.mqtt.communityId,
    }));
    await api(profile, operatorKey, 'POST', '/meter-batches', { batchId: `${prefix}-${tag}-b${i}`, meters: batch });
  }
  return all;
}

module.exports = { archiveHours, registerMeterBatches, restartPeers };

if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
