/**
 * consortium.*: the platform with each organization's Fabric nodes in a network namespace of its
 * own and every orderer and peer connection between organizations through Toxiproxy
 * (network/src/netns.ts, links.ts; docs/consortium.md), started here on a state directory and an
 * offset of its own (GRIDLEDGER_BENCH_CONSORTIUM_OFFSET, else 30000 or the next free of a few) and
 * stopped afterwards, namespaces and all:
 *  - readingsPerSecWan30ms / readingsP95MsWan30ms: signed readings through the device bridge, as the
 *    readings scenario (ledger.js) sends them, with 30 ms added each way on every link between
 *    organizations (GRIDLEDGER_BENCH_CONSORTIUM_LATENCY_MS);
 *  - ordersPerSecWan30ms / ordersP95MsWan30ms: the orders scenario (market.js) on the same links;
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
const { readingLoad, readingsThroughBridge } = require('./ledger');
const { marketBenchmarks } = require('./market');
const { percentile } = require('./stats');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Orders of `count` participants placed one after the other each through the community gateway; the number that failed. */
async function placeOrders(profile, credentials, tag, count) {
  const api = (key, method, path, body) =>
    fetch(`${profile.orgs.community.gateway.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (res) => ({ status: res.status, body: await res.json() }));
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const community = `cut-${tag}`;
  await api(operatorKey, 'PATCH', `/markets/${community}/params`, {
    intervalSeconds: 900,
    gateClosureSeconds: 300,
    openingHorizonSeconds: 86400,
  });
  const { body } = await api(operatorKey, 'POST', '/participants', { participantId: `${community}-seller`, role: 'prosumer' });
  const intervalStart = new Date((Math.floor(Date.now() / 1000 / 900) + 2) * 900_000).toISOString().replace('.000Z', 'Z');
  const placed = [];
  for (let n = 0; n < count; n++) {
    const order = {
      clientOrderId: `c${n}`,
      communityId: community,
      intervalStart,
      side: 'sell',
      energyWh: 100 + n,
      priceMicrosPerKwh: 100_000,
    };
    const res = await api(body.apiKey, 'POST', '/orders', order);
    placed.push(res.status);
  }
  return { failed: placed.filter((s) => s !== 201).length, placed: placed.length };
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
    wanted ? { fixed: Number(wanted) } : { candidates: [30000, 32000, 34000] },
  );
  push('upSeconds', Number(((performance.now() - t0) / 1000).toFixed(1)), 's', 'three namespaces, 12 Toxiproxy links, whole platform');
  const { profile, credentials } = started;
  const links = new LinksApi(linksApiUrl(loadPlan(stateDir)));
  try {
    await links.latency(latencyMs);
    // Readings: one interval to warm up, then 20 intervals of `meters` meters, as ledger.js's scenario.
    const operatorKey = credentials.apiKeys.community['community-operator'];
    const all = await readingLoad(profile, operatorKey, meters, 1 + 20 + 10);
    await readingsThroughBridge(profile, all.slice(0, meters), rate);
    const r = await readingsThroughBridge(profile, all.slice(meters, 21 * meters), rate);
    const rps = r.committed / Math.max(r.commitSeconds, 0.001);
    const refused = JSON.stringify(r.refused);
    push(
      'readingsPerSecWan30ms',
      Number(rps.toFixed(1)),
      'readings/s',
      `${r.committed} of ${20 * meters} committed, offered ${rate}/s, ${latencyMs} ms each way between organizations, refused ${refused}`,
    );
    push(
      'readingsP95MsWan30ms',
      Math.round(percentile(r.latencies, 95)),
      'ms',
      `due to receipt; p50 ${percentile(r.latencies, 50).toFixed(0)} ms`,
    );
    const market = { results: [], rows: [] };
    await marketBenchmarks(profile, credentials, market.results, market.rows);
    const orders = Object.fromEntries(market.results.map((x) => [x.metric, x.value]));
    push(
      'ordersPerSecWan30ms',
      orders.committedTps,
      'orders/s',
      `orders scenario (market.js) with ${latencyMs} ms each way between organizations`,
    );
    push('ordersP95MsWan30ms', orders.p95Ms, 'ms', 'POST /orders to committed');

    // The cut-off: the regulator loses every link for cutSeconds; readings and orders go on through the community.
    const before = await chainTip(profile, 'regulator');
    const cutAt = performance.now();
    await links.cut('regulator');
    const during = all.slice(21 * meters);
    const cutWork = Promise.all([
      readingsThroughBridge(profile, during, Math.max(10, during.length / (cutSeconds * 0.8))),
      placeOrders(profile, credentials, Date.now().toString(36), 50),
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
      if (
        u &&
        c &&
        g &&
        u.height === c.height &&
        g.height === u.height &&
        g.lastBlock.equals(u.lastBlock) &&
        c.lastBlock.equals(u.lastBlock)
      ) {
        recovered = (performance.now() - restoredAt) / 1000;
        reference = u;
        break;
      }
      if (performance.now() - restoredAt > 300_000) break;
      await sleep(200);
    }
    const lostReadings = during.length - cutReadings.committed;
    push(
      'cutReadingsLost',
      lostReadings,
      'readings',
      `${cutReadings.committed} of ${during.length} readings sent during a ${cutSeconds} s cut of the regulator committed; refused ${JSON.stringify(cutReadings.refused)}`,
    );
    push(
      'cutOrdersLost',
      cutOrders.failed,
      'orders',
      `${cutOrders.placed - cutOrders.failed} of ${cutOrders.placed} orders placed during the cut committed`,
    );
    push(
      'cutRecoverySeconds',
      recovered === undefined ? -1 : Number(recovered.toFixed(1)),
      's',
      `restore to the regulator peer at the others' height with the same last block (commit hash); heights: before the cut ${before.height}, ` +
        `regulator during the cut ${cutState?.height ?? 'unreachable'}, all after ${reference?.height ?? 'not reached in 300 s'}`,
    );
  } finally {
    await links.reset().catch(() => undefined);
    await down(stateDir, { purge: true, log: () => undefined });
    lease.release();
  }
}

module.exports = { consortiumBenchmarks };
