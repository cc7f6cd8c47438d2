/**
 * The cost of the verifier's walk (docs/bounded-state.md, section 8) on a running network (a kept
 * e2e platform): registers GRIDLEDGER_BENCH_ARCHIVE_AUDIT_METERS (1000) meters in batches, sends their
 * readings of the four intervals of one hour about 40 hours back through the device bridge (so the
 * recording transactions are the bridge's batches), archives the hour in pages of
 * GRIDLEDGER_BENCH_ARCHIVE_AUDIT_PAGE (1000) with the horizons shortened for the moment, then times the
 * walk and the check in this process and `npm run audit -- readings-archive` as a child process,
 * and reads every transaction of the walk once more to count the bytes qscc answers.
 * `node test/bench/archive-audit.js <stateDir>`; prints JSON. Not in `npm run bench`.
 */
const { execFileSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { auditArchivedHour } = require('@gridledger/core');
const { ledgerClient } = require('@gridledger/network');
const { gatherArchivedHour } = require('@gridledger/gateway-api/dist/audit-archive');
const { readingsThroughBridge, signedIntervals } = require('./readings');
const { archiveHours, registerMeterBatches } = require('./archive-hours');

async function main() {
  const stateDir = process.argv[2];
  const meters = Number(process.env.GRIDLEDGER_BENCH_ARCHIVE_AUDIT_METERS ?? 1000);
  const pageSize = Number(process.env.GRIDLEDGER_BENCH_ARCHIVE_AUDIT_PAGE ?? 1000);
  const profile = JSON.parse(readFileSync(join(stateDir, 'network.json'), 'utf8'));
  const operatorKey = JSON.parse(readFileSync(join(stateDir, 'credentials.json'), 'utf8')).apiKeys.community['community-operator'];
  const all = await registerMeterBatches(profile, operatorKey, meters, 'aud');
  // The hour that starts 160 intervals (40 h) before the last ended interval, or just before.
  const lastEnded = Math.floor(Date.now() / 1000 / 900) * 900 - 900;
  const hourStart = Math.floor((lastEnded - 160 * 900) / 3600) * 3600;
  const hour = new Date(hourStart * 1000).toISOString().slice(0, 13);
  const sent = await readingsThroughBridge(profile, signedIntervals(all, 4, hourStart + 3 * 900), 1050);
  const report = { hour, meters, readings: all.length * 4, committed: sent.committed, refused: sent.refused, pageSize };

  const operator = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  try {
    await operator.submit('metering:setParams', JSON.stringify({ archiveAfterSeconds: 0, lateWindowSeconds: 3600 }));
    const t0 = Date.now();
    report.archived = await archiveHours(operator, [hour], pageSize);
    report.archiveSeconds = (Date.now() - t0) / 1000;
  } finally {
    await operator.submit('metering:setParams', JSON.stringify({ archiveAfterSeconds: 7_776_000, lateWindowSeconds: 172_800 }));
    operator.close();
  }

  const regulator = ledgerClient(profile, 'regulator', profile.orgs.regulator.users.regulator);
  try {
    const t1 = Date.now();
    const { input, transactionsRead } = await gatherArchivedHour(regulator, profile, hour);
    const t2 = Date.now();
    const checked = auditArchivedHour(input);
    const t3 = Date.now();
    Object.assign(report, {
      pages: input.pages.length,
      transactionsRead,
      recordingTransactions: new Set(input.records.map((r) => r.txId)).size,
      holds: checked.holds,
      walkSeconds: (t2 - t1) / 1000,
      checkSeconds: (t3 - t2) / 1000,
    });
    // The same transactions once more, one at a time: the bytes qscc answers and the time of one call.
    const qscc = regulator.gateway.getNetwork(profile.channel).getContract('qscc');
    const txIds = [...input.pages.map((p) => p.txId), ...new Set(input.records.map((r) => r.txId))];
    let bytes = 0;
    const t4 = Date.now();
    for (const txId of txIds) bytes += (await qscc.evaluateTransaction('GetTransactionByID', profile.channel, txId)).length;
    Object.assign(report, { qsccBytes: bytes, qsccMsPerCall: Math.round((Date.now() - t4) / txIds.length) });
  } finally {
    regulator.close();
  }
  const t5 = Date.now();
  const cli = JSON.parse(
    execFileSync(
      process.execPath,
      [join(__dirname, '..', '..', 'gateway-api', 'dist', 'audit.js'), 'readings-archive', '--hour', hour, '--state', stateDir],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    ),
  );
  Object.assign(report, { commandSeconds: (Date.now() - t5) / 1000, commandHolds: cli.holds });
  console.log(JSON.stringify(report, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
