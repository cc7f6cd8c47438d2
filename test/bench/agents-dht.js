/**
 * agents.dhtLookupP95Ms: 100 agents' DHT nodes (agents/src/dht, real libp2p over loopback TCP with
 * noise and yamux, all in THIS one node process, so they share its event loop and the machine's
 * cores) form the community's DHT; every agent publishes its record for one interval (half of them
 * a surplus with an offer, half a deficit). A lookup is one lookupRecord (the agents' own: kad-dht's
 * get, stopped at LOOKUP_QUORUM valid copies) of a random agent's record from another random node,
 * timed one at a time: p95 of 200 (target under 500 ms). Beside each, for the diagnosis, kad-dht's
 * whole get of the same record from the same node (the lookup before issue 24's fix), with when its
 * copies came, the requests it sent, the new connections it dialled and its errors; and the event
 * loop's delay over the lookups. agents.dhtDiscoveryP95Ms: a buyer's whole discovery (the surplus
 * providers, all their records in parallel, each checked against a ledger over HTTP: a small server
 * in this process answers the routes from memory, so the gateway's own time is not in the figure),
 * p95 of 20. No Fabric network: `node test/bench/agents-dht.js` runs it alone (after `npx tsc -b
 * agents device-bridge`); `npm run bench` records it. GRIDLEDGER_BENCH_DHT_AGENTS changes the number
 * of agents; GRIDLEDGER_BENCH_DHT_QUERY=alpha,paths kad-dht's query shape (DHT_QUERY by default;
 * `10,10` is kad-dht's own); GRIDLEDGER_BENCH_DHT_QUORUM the lookups' quorum;
 * GRIDLEDGER_BENCH_DHT_SELLERS the number of sellers among the agents (half of them by default).
 */
const { createHash } = require('node:crypto');
const { createServer } = require('node:http');
const os = require('node:os');
const { monitorEventLoopDelay, performance } = require('node:perf_hooks');
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

/**
 * kad-dht's whole get of `key` from `from`, as discover did before issue 24's fix: the time to its
 * end and to the first and third valid copies, the requests sent, dials of peers not connected yet
 * and query errors.
 */
async function wholeGet(from, key) {
  const start = performance.now();
  const t = { ms: 0, copies: [], sent: 0, newDials: 0, errors: 0, value: undefined };
  try {
    for await (const event of from.libp2p.services.dht.get(key, { signal: AbortSignal.timeout(30_000) })) {
      if (event.name === 'SEND_QUERY') t.sent += 1;
      else if (event.name === 'DIAL_PEER' && from.libp2p.getConnections(event.peer).length === 0) t.newDials += 1;
      else if (event.name === 'QUERY_ERROR') t.errors += 1;
      else if (event.name === 'PEER_RESPONSE' && event.record !== undefined) t.copies.push(performance.now() - start);
      else if (event.name === 'VALUE') t.value = event.value;
    }
  } catch {
    // not found in time: timed, and not counted as found
  }
  t.ms = performance.now() - start;
  return t;
}

const kadId = (bytes) => createHash('sha256').update(bytes).digest();
/** XOR distance of two kad ids, compared as big-endian numbers. */
function closer(target) {
  return (a, b) => {
    for (let i = 0; i < target.length; i++) {
      const d = (a.id[i] ^ target[i]) - (b.id[i] ^ target[i]);
      if (d !== 0) return d;
    }
    return 0;
  };
}

/**
 * Where a seller's provider entry is (diagnostic of the sellers a discovery missed): the nodes that
 * hold it, those among them that can answer it (kad-dht's GET_PROVIDERS handler reads the provider
 * from the node's peer store and throws when it is not there, and leaves out a provider without an
 * address: rpc/handlers/get-providers.js), and those among the 20 nodes closest to the shard's key.
 */
async function providerReach(dht, nodes, agentId) {
  const key = await dht.intervalKey(COMMUNITY, START, 'surplus', dht.shardOf(agentId));
  const target = kadId(key.multihash.bytes);
  const ranked = nodes.map((node) => ({ node, id: kadId(node.libp2p.peerId.toMultihash().bytes) })).sort(closer(target));
  const closest = new Set(ranked.slice(0, 20).map((r) => r.node));
  const reach = { holders: 0, answerable: 0, closest: 0 };
  for (const node of nodes) {
    const providers = await node.libp2p.services.dht.providers.getProviders(key);
    const entry = providers.find((p) => p.toString() === agentId);
    if (entry === undefined) continue;
    reach.holders += 1;
    if (closest.has(node)) reach.closest += 1;
    const known = await node.libp2p.peerStore.get(entry).then(
      (peer) => peer.addresses.length > 0,
      () => false,
    );
    if (known) reach.answerable += 1;
  }
  return reach;
}

/** User and system CPU time of this process in a process.cpuUsage() difference, ms. */
const cpuMs = ({ user, system }) => (user + system) / 1000;
const mean = (xs) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Runs `work` over `items` with at most `limit` at once. */
async function inBatches(items, limit, work) {
  for (let i = 0; i < items.length; i += limit) await Promise.all(items.slice(i, i + limit).map(work));
}

async function dhtBenchmarks(results, rows) {
  const dht = await import('@gridledger/agents/dht');
  const n = Number(process.env.GRIDLEDGER_BENCH_DHT_AGENTS ?? 100);
  const rand = prng('agents-dht'); // seeded: the same agents pick the same peers every run
  const [alpha, disjointPaths] = (process.env.GRIDLEDGER_BENCH_DHT_QUERY ?? '').split(',').map(Number);
  const query = alpha > 0 && disjointPaths > 0 ? { alpha, disjointPaths } : dht.DHT_QUERY;
  const quorum = Number(process.env.GRIDLEDGER_BENCH_DHT_QUORUM ?? dht.LOOKUP_QUORUM);
  const sellers = Math.min(n, Number(process.env.GRIDLEDGER_BENCH_DHT_SELLERS ?? Math.ceil(n / 2)));
  const setupStart = performance.now();
  const boot = await dht.startCommunityNode({ communityId: COMMUNITY, query });
  const nodes = [boot];
  // Each joins through three earlier nodes, as an agent would from a list the community keeps (always the
  // first node made it a hot spot whose handshakes timed out past 70 nodes on a loaded machine).
  for (let i = 1; i < n; i++) {
    const known = [0, 1, 2].map(() => nodes[Math.floor(rand() * nodes.length)]);
    if (i % 25 === 0) console.error(`agents-dht: ${i} nodes joined in ${((performance.now() - setupStart) / 1000).toFixed(0)} s`);
    const join = () =>
      dht.startCommunityNode({ communityId: COMMUNITY, query, bootstrap: [...new Set(known)].map((k) => k.addresses()[0]) });
    // On a machine loaded past its cores, all three handshakes can outlast their 30 s: once more, then fail.
    nodes.push(await join().catch(join));
  }
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const offers = new Map();
  const agents = new Map();
  const records = nodes.map((node, i) => {
    const agentId = node.libp2p.peerId.toString();
    // Spread over the agents: every other one for half of them, all of them for n.
    const surplus = (i * sellers) % n < sellers;
    const energyWh = 500 + i;
    agents.set(`meter-${i}`, agentId);
    if (surplus)
      // As the gateway's P2P route answers (HttpLedgerCheck reads meterId, energyWh − acceptedWh and phase).
      offers.set(`offer-${i}`, {
        offerId: `offer-${i}`,
        meterId: `meter-${i}`,
        energyWh,
        acceptedWh: 0,
        priceMicrosPerKwh: PRICE,
        phase: 'open',
      });
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
  const publications = [];
  await inBatches(
    nodes.map((node, i) => [node, records[i]]),
    10,
    // A put or provide whose query outlasts kad-dht's budget on a loaded machine is tried once more, then counted.
    ([node, record]) =>
      dht
        .publishRecord(node, record)
        .catch(() => dht.publishRecord(node, record))
        .then(
          (p) => publications.push(p),
          () => (unpublished += 1),
        ),
  );
  const setupSeconds = (performance.now() - setupStart) / 1000;
  console.error(`agents-dht: ${n} nodes joined and published in ${setupSeconds.toFixed(0)} s`);
  const server = await ledgerServer(offers, agents);
  const ledger = new dht.HttpLedgerCheck({ baseUrl: `http://127.0.0.1:${server.address().port}` });

  const routingTables = nodes.map((node) => node.libp2p.services.dht.routingTable.size);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const lookups = [];
  const lookupCpu = [];
  const lookupSent = [];
  const whole = [];
  let found = 0;
  let wholeFound = 0;
  for (let i = 0; i < 200; i++) {
    const from = nodes[Math.floor(rand() * n)];
    const target = records[Math.floor(rand() * n)];
    const key = dht.recordKey(COMMUNITY, START, target.agentId);
    // The same lookup both ways, in turns, so that neither always runs on the connections the other opened.
    const timedLookup = async () => {
      const start = performance.now();
      const cpu = process.cpuUsage();
      const onProgress = (event) => {
        if (event.type === 'kad-dht:query:send-query') lookupSent[lookupSent.length - 1] += 1;
      };
      lookupSent.push(0);
      const record = await dht.lookupRecord(from, key, { signal: AbortSignal.timeout(30_000), quorum, onProgress });
      lookups.push(performance.now() - start);
      lookupCpu.push(cpuMs(process.cpuUsage(cpu)));
      if (record?.meterId === target.meterId) found += 1;
    };
    const timedWhole = async () => {
      const cpu = process.cpuUsage();
      const t = await wholeGet(from, key);
      t.cpu = cpuMs(process.cpuUsage(cpu));
      whole.push(t);
      if (t.value !== undefined && (await dht.verifyRecord(key, t.value)).meterId === target.meterId) wholeFound += 1;
    };
    if (i % 2 === 0) await timedLookup().then(timedWhole);
    else await timedWhole().then(timedLookup);
  }
  delay.disable();
  const discoveries = [];
  const discoveryProviders = [];
  const discoveryAccepted = [];
  let fullShards = 0;
  let accepted = 0;
  let unchecked = 0;
  /** Seller agent id → discoveries that did not accept its record. */
  const missedBy = new Map(records.filter((r) => r.balance === 'surplus').map((r) => [r.agentId, 0]));
  for (let i = 0; i < 20; i++) {
    const from = nodes[Math.floor(rand() * n)];
    const start = performance.now();
    const result = await dht.discover(from, { intervalStart: START, ledger, nowSeconds: START + 60, quorum });
    discoveries.push(performance.now() - start);
    discoveryProviders.push(result.providers);
    discoveryAccepted.push(result.accepted.length);
    fullShards += result.fullShards;
    accepted += result.accepted.length;
    unchecked += result.unchecked;
    const acceptedIds = new Set(result.accepted.map((r) => r.agentId));
    for (const agentId of missedBy.keys()) if (!acceptedIds.has(agentId)) missedBy.set(agentId, missedBy.get(agentId) + 1);
  }
  // The sellers missed by at least half the discoveries, and where their provider entries are.
  const oftenMissed = [...missedBy].filter(([, misses]) => misses >= 10);
  const reaches = [];
  for (const [agentId, misses] of oftenMissed) reaches.push({ misses, ...(await providerReach(dht, nodes, agentId)) });
  const everyReach = [];
  for (const agentId of missedBy.keys()) everyReach.push(await providerReach(dht, nodes, agentId));
  server.close();
  server.closeAllConnections();
  await Promise.all(nodes.map((node) => node.stop()));

  const where =
    `${n} libp2p nodes in one node process on ${os.cpus().length} cores, loopback TCP, ` +
    `kad-dht alpha ${query.alpha} on ${query.disjointPaths} disjoint paths, quorum ${quorum}, load average ${os.loadavg()[0].toFixed(1)}`;
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
    `lookupRecord (quorum ${quorum}) of a random agent's record from a random node, one at a time, ${found}/200 found and verified ` +
      `(target under 500 ms), ${mean(lookupSent).toFixed(1)} requests and ` +
      `this process's CPU time ${mean(lookupCpu).toFixed(0)} ms per lookup (mean); ` +
      `setup (start, join, publish ${n} records, ${unpublished} not published) ${setupSeconds.toFixed(1)} s`,
  );
  const wholeMs = whole.map((t) => t.ms);
  const nth = (k) => whole.filter((t) => t.copies.length >= k).map((t) => t.copies[k - 1]);
  const ms = (xs) => `p50 ${percentile(xs, 50)?.toFixed(0)} / p95 ${percentile(xs, 95)?.toFixed(0)} ms`;
  rows.push({
    scenario: 'agents',
    metric: 'dhtWholeGet (diagnostic)',
    value: percentile(wholeMs, 95).toFixed(0),
    unit: `ms (p95 of ${whole.length})`,
    note:
      `kad-dht's whole get of the same records from the same nodes: p50 ${percentile(wholeMs, 50).toFixed(0)} ms, ${wholeFound}/200 found; ` +
      `1st valid copy after ${ms(nth(1))}, 3rd after ${ms(nth(3))}; ` +
      `${mean(whole.map((t) => t.copies.length)).toFixed(1)} copies, ${mean(whole.map((t) => t.sent)).toFixed(1)} requests, ` +
      `CPU time mean ${mean(whole.map((t) => t.cpu)).toFixed(0)} ms, ` +
      `${mean(whole.map((t) => t.newDials)).toFixed(1)} new dials and ${mean(whole.map((t) => t.errors)).toFixed(1)} errors per get; ` +
      `routing tables ${Math.min(...routingTables)}-${Math.max(...routingTables)} peers (mean ${mean(routingTables).toFixed(0)}); ` +
      `event-loop delay over the lookups p50 ${(delay.percentile(50) / 1e6).toFixed(0)} / p99 ${(delay.percentile(99) / 1e6).toFixed(0)} / ` +
      `max ${(delay.max / 1e6).toFixed(0)} ms; ${where}`,
  });
  report(
    'dhtDiscoveryP95Ms',
    discoveries,
    `a buyer's discovery: providers of the ${dht.INTERVAL_SHARDS} shards of the interval key ` +
      `(${Math.min(...discoveryProviders)}-${Math.max(...discoveryProviders)} of ${sellers} found, ${fullShards} full shards in all), ` +
      `their records fetched in parallel and checked over HTTP against a ledger answering from memory, ` +
      `${Math.min(...discoveryAccepted)}-${Math.max(...discoveryAccepted)} of ${sellers} accepted (${accepted / 20} on average), ` +
      `${unchecked / 20} unchecked on average`,
  );
  const range = (xs) => (xs.length === 0 ? '-' : `${Math.min(...xs)}-${Math.max(...xs)} (mean ${mean(xs).toFixed(1)})`);
  rows.push({
    scenario: 'agents',
    metric: 'dhtProviderReach (diagnostic)',
    value: oftenMissed.length,
    unit: `sellers missed by 10+ of 20 discoveries`,
    note:
      `publications: record stored on ${range(publications.map((p) => p.stored))} other nodes, provider entry taken by ` +
      `${range(publications.map((p) => p.announced))}; every seller's provider entry held by ${range(everyReach.map((r) => r.holders))} nodes, ` +
      `${range(everyReach.map((r) => r.closest))} of them among the 20 closest to its shard's key, answerable (provider in the ` +
      `holder's peer store with an address) by ${range(everyReach.map((r) => r.answerable))}; ` +
      `the often missed: ${reaches.map((r) => `missed ${r.misses}/20, held by ${r.holders} (${r.closest} of the 20 closest), answerable by ${r.answerable}`).join('; ') || 'none'}`,
  });
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
