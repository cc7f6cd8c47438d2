/**
 * Beckn storage benchmark (docs/beckn.md, "Benchmarks"), on the platform ledger.js started: the Utility
 * gateway is the BAP, the Community gateway the BPP, talking over loopback with their development
 * keys from the local registry and real Ed25519 signatures, as in e2e 62.
 *  - beckn.searchP99Ms: GRIDLEDGER_BENCH_BECKN_BATTERIES (1000) batteries registered by one battery
 *    provider (20 in flight) in a community of their own; GRIDLEDGER_BENCH_BECKN_SEARCHES (100)
 *    searches (a point and radius, a window, a minimum of free Wh: every battery matches, the BPP
 *    answers the first 100) through the BAP's REST API, GRIDLEDGER_BENCH_BECKN_IN_FLIGHT (4) at a
 *    time. A search's latency runs from our POST /beckn/storage/searches to the BAP's receipt of
 *    on_search (its `receivedAt`): the signed search, the BPP's ledger query, the signed on_search.
 *  - beckn.statusDelayP95Ms: GRIDLEDGER_BENCH_BECKN_CONTRACTS (40) contracts confirmed over Beckn,
 *    each on a battery of its own; then each is cancelled by its buyer at the Community's REST API,
 *    one after the other, and its delay runs from the cancellation's committed answer to the BAP's
 *    receipt of the unsolicited on_status that tells it (the BPP's watch of its open contracts).
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { percentile } = require('./stats');
const { pool } = require('./pool');

const instant = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A battery provider with a battery meter, and `count` batteries on it available from yesterday for 30 days. */
async function batteries(url, call, operatorKey, communityId, tag, count) {
  const providerId = `bp-${tag}`;
  const { apiKey } = await call(url, operatorKey, 'POST', '/participants', { participantId: providerId, role: 'battery-provider' });
  const meterId = `${providerId}.battery`;
  await call(url, operatorKey, 'POST', '/meters', {
    meterId,
    participantId: providerId,
    kind: 'bidirectional',
    exportCapacityW: 600_000,
    communityId,
    publicKeyPem: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }),
  });
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  const ids = Array.from({ length: count }, (_, i) => `bat-${tag}-${String(i).padStart(4, '0')}`);
  await pool(count, 20, (i) =>
    call(url, apiKey, 'POST', '/batteries', {
      batteryId: ids[i],
      communityId,
      zone: 'z1',
      meterId,
      capacityWh: 10_000,
      maxChargeW: 5_000,
      maxDischargeW: 5_000,
      roundTripEfficiencyPpm: 900_000,
      // Spread over about 10 km around Berlin's centre.
      latitudeMicro: 52_520_000 + ((i * 7_919) % 90_000) - 45_000,
      longitudeMicro: 13_405_000 + ((i * 104_729) % 140_000) - 70_000,
      availability: [{ from: instant(day - 86_400), to: instant(day + 30 * 86_400) }],
      storedPriceMicrosPerKwh: 40_000 + (i % 50) * 100,
      reservedPriceMicrosPerKwhDay: 240_000,
      penaltyMicrosPerKwh: 100_000,
    }),
  );
  return ids;
}

/** Polls the BAP's view of a transaction until `find(view)` gives something (or `ms` pass). */
async function waitFor(bap, transactionId, find, ms = 60_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const found = find(await bap('GET', `/transactions/${transactionId}`));
    if (found !== undefined) return found;
    await sleep(100);
  }
  return undefined;
}

const answering = (action, messageId) => (v) => v.callbacks.find((c) => c.action === action && c.messageId === messageId);

/** `call` is ledger.js's apiAt: a gateway's JSON answer, or an error for a status of 300 or more. */
async function becknBenchmarks(profile, credentials, results, rows, call) {
  const count = Number(process.env.GRIDLEDGER_BENCH_BECKN_BATTERIES ?? 1000);
  const searches = Number(process.env.GRIDLEDGER_BENCH_BECKN_SEARCHES ?? 100);
  const inFlight = Number(process.env.GRIDLEDGER_BENCH_BECKN_IN_FLIGHT ?? 4);
  const contracts = Math.min(count, Number(process.env.GRIDLEDGER_BENCH_BECKN_CONTRACTS ?? 40));
  const community = profile.orgs.community.gateway.url;
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const utilityKey = credentials.apiKeys.utility.utility;
  const bap = (method, path, body) => call(profile.orgs.utility.gateway.url, utilityKey, method, `/beckn/storage${path}`, body);
  const tag = randomBytes(3).toString('hex');
  const communityId = `beckn-${tag}`;

  const t0 = performance.now();
  const ids = await batteries(community, call, operatorKey, communityId, tag, count);
  const registerSeconds = (performance.now() - t0) / 1000;

  // Two days ahead, one hour: every battery is free, and a buyer's cancellation is free (more than 24 h ahead).
  const day = Math.floor(Date.now() / 86_400_000) * 86_400;
  const window = { from: instant(day + 2 * 86_400), to: instant(day + 2 * 86_400 + 3_600) };
  const intent = { latitudeMicro: 52_520_000, longitudeMicro: 13_405_000, radiusM: 20_000, minFreeWh: 1_000, ...window };

  const searchMs = [];
  let offers = 0;
  const searchErrors = [];
  await pool(searches, inFlight, async () => {
    const sentAt = Date.now();
    try {
      const { transactionId, messageIds } = await bap('POST', '/searches', intent);
      const got = await waitFor(bap, transactionId, answering('on_search', messageIds[0]));
      if (got === undefined || got.error) throw new Error(JSON.stringify(got?.error ?? 'no on_search'));
      searchMs.push(Date.parse(got.receivedAt) - sentAt);
      offers = got.message.catalog.providers.reduce((n, p) => n + p.items.length, 0);
    } catch (e) {
      searchErrors.push(e.message.slice(0, 120));
    }
  });
  const p99 = percentile(searchMs, 99);
  results.push({ scenario: 'beckn', metric: 'searchP99Ms', value: Math.round(p99), unit: 'ms' });
  rows.push({
    scenario: 'beckn',
    metric: 'searchP99Ms',
    value: p99.toFixed(0),
    unit: 'ms',
    note:
      `${searchMs.length} of ${searches} searches (${inFlight} in flight) over ${count} batteries (registered in ` +
      `${registerSeconds.toFixed(1)} s), BAP request to on_search received, ${offers} offers each; p50 ` +
      `${percentile(searchMs, 50).toFixed(0)} ms, p95 ${percentile(searchMs, 95).toFixed(0)} ms, ${searchErrors.length} failed${searchErrors.length ? `: ${searchErrors[0]}` : ''}`,
  });

  // statusDelayP95Ms: contracts confirmed over Beckn, then cancelled outside it. A buyer per contract (a buyer's
  // confirms all write its account: run at once, they would conflict and be retried).
  const confirmed = [];
  const confirmErrors = [];
  await pool(contracts, inFlight, async (k) => {
    try {
      const buyerId = `bkb-${tag}-${k}`;
      const { apiKey } = await call(community, operatorKey, 'POST', '/participants', { participantId: buyerId, role: 'prosumer' });
      const deposit = { participantId: buyerId, amountMicros: 100_000, reference: `bench-${tag}-${k}` };
      await call(profile.orgs.utility.gateway.url, utilityKey, 'POST', '/credits/deposits', deposit);
      const { transactionId } = await bap('POST', '/searches', window);
      const order = { bppId: 'community.gridledger.local', batteryId: ids[k], reservedWh: 1_000, ...window, buyerId };
      const { messageId } = await bap('POST', `/transactions/${transactionId}/contracts`, order);
      const got = await waitFor(bap, transactionId, answering('on_confirm', messageId));
      if (got === undefined || got.error) throw new Error(JSON.stringify(got?.error ?? 'no on_confirm'));
      confirmed.push({ transactionId, contractId: got.message.order.id, buyerKey: apiKey });
    } catch (e) {
      confirmErrors.push(e.message.slice(0, 120));
    }
  });
  const delays = [];
  let statusFailed = 0;
  for (const { transactionId, contractId, buyerKey } of confirmed) {
    await call(community, buyerKey, 'POST', `/storage/contracts/${contractId}/cancellation`);
    const changedAt = Date.now();
    const told = await waitFor(bap, transactionId, (v) =>
      v.callbacks.find((c) => c.action === 'on_status' && c.unsolicited && c.message?.order?.status === 'CANCELLED'),
    );
    if (told === undefined) statusFailed += 1;
    else delays.push(Date.parse(told.receivedAt) - changedAt);
  }
  const p95 = percentile(delays, 95);
  results.push({ scenario: 'beckn', metric: 'statusDelayP95Ms', value: Math.round(p95), unit: 'ms' });
  rows.push({
    scenario: 'beckn',
    metric: 'statusDelayP95Ms',
    value: p95.toFixed(0),
    unit: 'ms',
    note:
      `${delays.length} of ${contracts} contracts confirmed over Beckn (${confirmErrors.length} confirms failed` +
      `${confirmErrors.length ? `: ${confirmErrors[0]}` : ''}), each cancelled at the ` +
      `REST API: committed answer to the unsolicited on_status received; p50 ${percentile(delays, 50).toFixed(0)} ms, ` +
      `max ${Math.max(...delays).toFixed(0)} ms, ${statusFailed} not told in 60 s`,
  });
}

module.exports = { becknBenchmarks };
