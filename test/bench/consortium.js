/**
 * consortium.*: the platform with each organization's Fabric nodes in a network namespace of its
 * own and every orderer and peer connection between organizations through Toxiproxy
 * (network/src/netns.ts, links.ts; docs/consortium.md), started here on a state directory and an
 * offset of its own (GRIDLEDGER_BENCH_CONSORTIUM_OFFSET, 30000) and
 * stopped afterwards, namespaces and all:
 *  - readingsPerSecWan30ms / readingsP95MsWan30ms: signed readings through the device bridge, as the
 *    readings scenario (ledger.js) sends them (GRIDLEDGER_BENCH_CONSORTIUM_METERS meters, 200, × 20
 *    intervals), with 30 ms added each way on every link between organizations
 *    (GRIDLEDGER_BENCH_CONSORTIUM_LATENCY_MS); readingsPerSecNetns0ms / readingsP95MsNetns0ms the same
 *    on the same links without the latency, just before;
 *  - ordersPerSecWan30ms / ordersP95MsWan30ms (and ...Netns0ms): the orders scenario (market.js) likewise;
 *  - the cut-off: one organization (the regulator) cut off for GRIDLEDGER_BENCH_CONSORTIUM_CUT_SECONDS
 *    (60) while readings and orders go on through the community's gateway and bridge; then
 *    restored. cutReadingsLost / cutOrdersLost count those not committed (0 expected: Raft keeps two
 *    orderers of three, two peers of three endorse), cutRecoverySeconds is the time from the
 *    restore until the cut peer's chain has the same height and last block hash as the others'.
 * Needs root (ip netns); GRIDLEDGER_BENCH_CONSORTIUM=0 leaves it out.
 */
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { performance } = require('node:perf_hooks');
const { chainTip } = require('@gridledger/network');
const { upPlatform } = require('@gridledger/network/dist/platform');
const { down } = require('@gridledger/network/dist/up');
const { startOnFreeOffset } = require('@gridledger/network/dist/port-lease');
const { LinksApi, linksApiUrl } = require('@gridledger/network/dist/links');
const { loadPlan } = require('@gridledger/network/dist/netns');
const { formatInstant } = require('@gridledger/core/core');
const { readingLoad, readingsThroughBridge } = require('./readings');
const { prosumerWithMeter } = require('./prosumer');
const { call, marketBenchmarks } = require('./market');
const { percentile } = require('./stats');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A seller with a meter in the platform's community, whose market takes orders for the interval after next. */
async function seller(profile, credentials, tag) {
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const params = { intervalSeconds: 900, gateClosureSeconds: 300, openingHorizonSeconds: 86400 };
  await call(profile, operatorKey, 'PATCH', `/markets/${profile.mqtt.communityId}/params`, params);
  const api = async (...args) => (await call(...args)).body;
  return prosumerWithMeter(api, profile, operatorKey, `cut-${tag}`, 1_000_000);
}

/** `count` sell orders placed one after the other through the community gateway; how many failed, by status and code. */
async function placeOrders(profile, apiKey, count) {
  const intervalStart = formatInstant((Math.floor(Date.now() / 1000 / 900) + 2) * 900);
  const failed = {};
  for (let n = 0; n < count; n++) {
    const order = {
      clientOrderId: `c${n}`,
      communityId: profile.mqtt.communityId,
      intervalStart,
      side: 'sell',
      energyWh: 100 + n,
      priceMicrosPerKwh: 100_000,
    };
    const res = await call(profile, apiKey, 'POST', '/orders', order);
    if (res.status !== 201) failed[`${res.status} ${res.body.code ?? ''}`] = (failed[`${res.status} ${res.body.code ?? ''}`] ?? 0) + 1;
  }
  return { placed: count, failed };
}

async function consortiumBenchmarks(results, rows) {
  const stateDir = mkdtempSync(join(tmpdir(), 'gl-consortium-'));
  const latencyMs = Number(process.env.GRIDLEDGER_BENCH_CONSORTIUM_LATENCY_MS ?? 30);
  const cutSeconds = Number(process.env.GRIDLEDGER_BENCH_CONSORTIUM_CUT_SECONDS ?? 60);
  const meters = Number(process.env.GRIDLEDGER_BENCH_CONSORTIUM_METERS ?? 200);
  const rate = Number(process.env.GRIDLEDGER_BENCH_READINGS_RATE ?? 1050) || Infinity;
  const wanted = process.env.GRIDLEDGER_BENCH_CONSORTIUM_OFFSET;
  const push = (metric, value, unit, note) => {
    results.push({ scenario: 'consortium', metric, value, unit });
    rows.push({ scenario: 'consortium', metric, value: String(value), unit, note });
  };
  const t0 = performance.now();
  const { lease, started } = await startOnFreeOffset(
    (offset) => upPlatform({ stateDir, offset, netns: 'links', log: () => undefined }),
    () => down(stateDir, { purge: true, log: () => undefined }),
    // Only the gateways, the broker and the bridge listen on the host's loopback (offset + 8080-8082, 1883, 8064): no lease
    // of every node port, which the kernel's ephemeral ports above 32768 often hold a moment.
    { fixed: Number(wanted ?? 30000) },
  );
  push('upSeconds', Number(((performance.now() - t0) / 1000).toFixed(1)), 's', 'three namespaces, 12 Toxiproxy links, whole platform');
  const { profile, credentials } = started;
  const links = new LinksApi(linksApiUrl(loadPlan(stateDir)));
  try {
    // Readings: one interval to warm up, then 20 intervals of `meters` meters, as ledger.js's scenario, first on
    // links without toxics (the same namespaces and proxies: the baseline), then with the latency; the orders likewise.
    const operatorKey = credentials.apiKeys.community['community-operator'];
    const all = await readingLoad(profile, operatorKey, meters, 1 + 20 + 20 + 10);
    await readingsThroughBridge(profile, all.slice(0, meters), rate);
    for (const [wan, ms, from] of [
      ['Netns0ms', 0, 1],
      [`Wan${latencyMs}ms`, latencyMs, 21],
    ]) {
      if (ms > 0) await links.latency(ms);
      const r = await readingsThroughBridge(profile, all.slice(from * meters, (from + 20) * meters), rate);
      const rps = r.committed / Math.max(r.commitSeconds, 0.001);
      const how = `${ms} ms each way between organizations`;
      const note = `${r.committed} of ${20 * meters} committed, offered ${rate}/s, ${how}, refused ${JSON.stringify(r.refused)}`;
      push(`readingsPerSec${wan}`, Number(rps.toFixed(1)), 'readings/s', note);
      const p50 = percentile(r.latencies, 50).toFixed(0);
      push(`readingsP95Ms${wan}`, Math.round(percentile(r.latencies, 95)), 'ms', `due to receipt; p50 ${p50} ms`);
      const market = { results: [], rows: [] };
      await marketBenchmarks(profile, credentials, market.results, market.rows);
      const orders = Object.fromEntries(market.results.map((x) => [x.metric, x.value]));
      push(`ordersPerSec${wan}`, orders.committedTps, 'orders/s', `orders scenario (market.js), ${how}; ${market.rows[0].note}`);
      push(`ordersP95Ms${wan}`, orders.p95Ms, 'ms', 'POST /orders to committed');
    }

    // The cut-off: the regulator loses every link for cutSeconds; readings and orders go on through the community.
    const { apiKey } = await seller(profile, credentials, Date.now().toString(36));
    const before = await chainTip(profile, 'regulator');
    const cutAt = performance.now();
    await links.cut('regulator');
    const during = all.slice(41 * meters);
    const cutWork = Promise.all([
      readingsThroughBridge(profile, during, Math.max(10, during.length / (cutSeconds * 0.8))),
      placeOrders(profile, apiKey, 50),
    ]);
    const [cutReadings, cutOrders] = await cutWork;
    await sleep(Math.max(0, cutSeconds * 1000 - (performance.now() - cutAt)));
    const cutState = await chainTip(profile, 'regulator').catch(() => undefined);
    await links.cut('regulator', false);
    const restoredAt = performance.now();
    let recovered;
    let reference;
    for (;;) {
      const [u, c, g] = await Promise.all(
        ['utility', 'community', 'regulator'].map((org) => chainTip(profile, org).catch(() => undefined)),
      );
      if (u && c && g && u.height === c.height && g.height === u.height && g.tip === u.tip && c.tip === u.tip) {
        recovered = (performance.now() - restoredAt) / 1000;
        reference = u;
        break;
      }
      if (performance.now() - restoredAt > 300_000) break;
      await sleep(200);
    }
    const lostOrders = Object.values(cutOrders.failed).reduce((a, b) => a + b, 0);
    const lostReadings = during.length - cutReadings.committed;
    push(
      'cutReadingsLost',
      lostReadings,
      'readings',
      `${cutReadings.committed} of ${during.length} readings sent during a ${cutSeconds} s cut of the regulator committed; ` +
        `refused ${JSON.stringify(cutReadings.refused)}`,
    );
    push(
      'cutOrdersLost',
      lostOrders,
      'orders',
      `${cutOrders.placed - lostOrders} of ${cutOrders.placed} orders placed during the cut committed; ` +
        `failed ${JSON.stringify(cutOrders.failed)}`,
    );
    push(
      'cutRecoverySeconds',
      recovered === undefined ? -1 : Number(recovered.toFixed(1)),
      's',
      "restore to the regulator peer at the others' height with the same last block (commit hash); " +
        `heights: before the cut ${before.height}, ` +
        `regulator during the cut ${cutState?.height ?? 'unreachable'}, all after ${reference?.height ?? 'not reached in 300 s'}`,
    );
  } finally {
    await links.reset().catch(() => undefined);
    await down(stateDir, { purge: true, log: () => undefined });
    lease.release();
  }
}

module.exports = { consortiumBenchmarks };
