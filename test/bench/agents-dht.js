/**
 * agents.dhtLookupP95Ms: 100 agents' DHT nodes (agents/src/dht, real libp2p over loopback TCP with
 * noise and yamux, all in THIS one node process, so they share its event loop and the machine's
 * cores) form the community's DHT; every agent publishes its record for one interval (half of them
 * a surplus with an offer, half a deficit). A lookup is one `get` of a random agent's record from
 * another random node, timed one at a time: p95 of 200 (target under 500 ms). Beside it,
 * agents.dhtDiscoveryP95Ms: a buyer's whole discovery (the surplus providers, all their records in
 * parallel, each checked against a ledger over HTTP: a small server in this process answers the
 * routes from memory, so the gateway's own time is not in the figure), p95 of 20.
 * No Fabric network: `node test/bench/agents-dht.js` runs it alone (after `npx tsc -b agents`);
 * `npm run bench` records it. GRIDLEDGER_BENCH_DHT_AGENTS changes the number of agents.
 */
const { createServer } = require('node:http');
const os = require('node:os');
const { performance } = require('node:perf_hooks');
const { prng } = require('@gridledger/device-bridge');
const { percentile } = require('./stats');

const COMMUNITY = 'community-bench';
const START = 1_800_000_000;
const PRICE = 150_000;

/** The two ledger routes the buyer asks, answered from maps. */
async function ledgerServer(offers, agents) {
  const server = createServer((req, res) => {
    const offerId = /^\/api\/v1\/p2p\/offers\/([^/]+)$/.exec(req.url)?.[1];
    const meterId = /^\/api\/v1\/p2p\/meters\/([^/]+)\/agent$/.exec(req.url)?.[1];
    const body = offerId ? offers.get(offerId) : meterId && agents.has(meterId) ? { meterId, agentId: agents.get(meterId) } : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { code: 'NOT_FOUND' }));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Runs `work` over `items` with at most `limit` at once. */
async function inBatches(items, limit, work) {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(work));
}

async function dhtBenchmarks(results, rows) {
  const dht = await import('@gridledger/agents/dht');
  const n = Number(process.env.GRIDLEDGER_BENCH_DHT_AGENTS ?? 100);
  const rand = prng('agents-dht'); // seeded: the same agents pick the same peers every run
  const setupStart = performance.now();
  const boot = await dht.startCommunityNode({ communityId: COMMUNITY });
  const nodes = [boot];
  // Each joins through three earlier nodes, as an agent would from a list the community keeps (always the
  // first node made it a hot spot whose handshakes timed out past 70 nodes on a loaded machine).
  for (let i = 1; i < n; i++) {
    const known = [0, 1, 2].map(() => nodes[Math.floor(rand() * nodes.length)]);
    if (i % 25 === 0) console.error(`agents-dht: ${i} nodes joined in ${((performance.now() - setupStart) / 1000).toFixed(0)} s`);
    nodes.push(await dht.startCommunityNode({ communityId: COMMUNITY, bootstrap: [...new Set(known)].map((k) => k.addresses()[0]) }));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const offers = new Map();
  const agents = new Map();
  const records = nodes.map((node, i) => {
    const agentId = node.libp2p.peerId.toString();
    const surplus = i % 2 === 0;
    const energyWh = 500 + i;
    agents.set(`meter-${i}`, agentId);
    if (surplus)
      offers.set(`offer-${i}`, { offerId: `offer-${i}`, sellerMeterId: `meter-${i}`, energyWh, priceMicrosPerKwh: PRICE, status: 'open' });
    return {
      communityId: COMMUNITY,
      agentId,
      meterId: `meter-${i}`,
      zoneId: `z0${i % 4}`,
      intervalStart: START,
      intervalEnd: START + 900,
      balance: surplus ? 'surplus' : 'deficit',
      energyWh,
      offers: surplus ? [{ offerId: `offer-${i}`, energyWh, priceMicrosPerKwh: PRICE }] : [],
      seq: 1,
    };
  });
  let unpublished = 0;
  await inBatches(
    nodes.map((node, i) => [node, records[i]]),
    10,
    // A put or provide whose query outlasts kad-dht's budget on a loaded machine is tried once more, then counted.
    ([node, record]) => dht.publishRecord(node, record).catch(() => dht.publishRecord(node, record).catch(() => (unpublished += 1))),
  );
  const setupSeconds = (performance.now() - setupStart) / 1000;
  console.error(`agents-dht: ${n} nodes joined and published in ${setupSeconds.toFixed(0)} s`);
  const server = await ledgerServer(offers, agents);
  const ledger = new dht.HttpLedgerCheck({ baseUrl: `http://127.0.0.1:${server.address().port}` });

  const lookups = [];
  let found = 0;
  for (let i = 0; i < 200; i++) {
    const from = nodes[Math.floor(rand() * n)];
    const target = records[Math.floor(rand() * n)];
    const key = dht.recordKey(COMMUNITY, START, target.agentId);
    const start = performance.now();
    let value;
    try {
      for await (const event of from.libp2p.services.dht.get(key, { signal: AbortSignal.timeout(30_000) })) {
        if (event.name === 'VALUE') value = event.value;
      }
    } catch {
      // not found in time: timed, and not counted as found
    }
    lookups.push(performance.now() - start);
    if (value !== undefined && (await dht.verifyRecord(key, value)).meterId === target.meterId) found += 1;
  }
  const discoveries = [];
  let accepted = 0;
  for (let i = 0; i < 20; i++) {
    const from = nodes[Math.floor(rand() * n)];
    const start = performance.now();
    const result = await dht.discover(from, { intervalStart: START, ledger, nowSeconds: START + 60 });
    discoveries.push(performance.now() - start);
    accepted += result.accepted.length;
  }
  server.close();
  server.closeAllConnections();
  await Promise.all(nodes.map((node) => node.stop()));

  const where = `${n} libp2p nodes in one node process on ${os.cpus().length} cores, loopback TCP`;
  /** The p95 of `times` as agents.<metric>, with the p50 and `note` in the table. */
  const report = (metric, times, note) => {
    const p95 = percentile(times, 95);
    results.push({ scenario: 'agents', metric, value: Math.round(p95), unit: 'ms' });
    const p50 = percentile(times, 50).toFixed(0);
    rows.push({
      scenario: 'agents',
      metric,
      value: p95.toFixed(0),
      unit: `ms (p95 of ${times.length})`,
      note: `p50 ${p50} ms; ${note}; ${where}`,
    });
  };
  report(
    'dhtLookupP95Ms',
    lookups,
    `get of a random agent's record from a random node, one at a time, ${found}/200 found and verified (target under 500 ms); ` +
      `setup (start, join, publish ${n} records, ${unpublished} not published) ${setupSeconds.toFixed(1)} s`,
  );
  report(
    'dhtDiscoveryP95Ms',
    discoveries,
    `a buyer's discovery: providers of the interval key, ${Math.ceil(n / 2)} records fetched in parallel and checked over HTTP ` +
      `against a ledger answering from memory, ${accepted / 20} accepted on average`,
  );
}

module.exports = { dhtBenchmarks };

if (require.main === module) {
  const results = [];
  const rows = [];
  dhtBenchmarks(results, rows).then(
    () => {
      console.table(rows);
      process.exit(0);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
