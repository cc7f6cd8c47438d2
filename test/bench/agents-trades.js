/**
 * agents.tradesPerSec: peer-to-peer trades committed per second through the Community gateway by
 * agent keys (docs/p2p.md, docs/security.md "Agent identities"), reported beside noop.submitTps of
 * the same run (target: at least half of it). SELLERS (20) sellers at once, each with its own group of
 * BUYERS (10) buyers in a round (so no two acceptances touch one buyer's account at once): the seller's
 * agent offers, the buyers' agents request at once, the seller's agent accepts them in one
 * transaction. ROUNDS (2) rounds, each seller meeting another group. A trade counts once its
 * acceptance has committed (the gateway answers then). Set-up (onboarding, agent keys, mandates,
 * deposits) is not timed.
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { formatInstant } = require('@gridledger/core/core');
const { UNLIMITED_MANDATE } = require('@gridledger/core/p2p');

const { percentile } = require('./stats');
const { eachLimited } = require('./pool');

const SELLERS = 20;
const BUYERS = 10;
const ROUNDS = 2;
const SETUP_IN_FLIGHT = 10;

async function call(url, key, method, path, body) {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A household onboarded with a meter, its agent's key and a mandate with automation on (and credits for a buyer). */
async function household(profile, credentials, community, participantId, buyer) {
  const url = profile.orgs.community.gateway.url;
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const { apiKey } = await call(url, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const meterId = `${participantId}.main`;
  await call(url, apiKey, 'POST', '/meters', {
    meterId,
    participantId,
    kind: 'bidirectional',
    exportCapacityW: 1_000_000,
    communityId: community,
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
  });
  await call(url, apiKey, 'PUT', `/p2p/mandates/${participantId}`, UNLIMITED_MANDATE);
  if (buyer)
    await call(profile.orgs.utility.gateway.url, credentials.apiKeys.utility.utility, 'POST', '/credits/deposits', {
      participantId,
      amountMicros: 100_000_000,
      reference: `dep-${participantId}`,
    });
  const agent = await call(url, apiKey, 'POST', `/participants/${participantId}/agent-keys`, {});
  return { participantId, meterId, agentKey: agent.apiKey };
}

async function agentTradeBenchmarks(profile, credentials, results, rows, noopTps) {
  const url = profile.orgs.community.gateway.url;
  const community = `bench-agents-${randomBytes(3).toString('hex')}`;
  await call(url, credentials.apiKeys.community['community-operator'], 'PATCH', `/markets/${community}/params`, {
    intervalSeconds: 900,
    gateClosureSeconds: 60,
    openingHorizonSeconds: 86400,
  });
  const setupStart = performance.now();
  const sellers = [];
  const buyers = [];
  const plan = [
    ...Array.from({ length: SELLERS }, (_, i) => ({ id: `${community}-s${i}`, buyer: false })),
    ...Array.from({ length: SELLERS * BUYERS }, (_, i) => ({ id: `${community}-b${i}`, buyer: true })),
  ];
  await eachLimited(plan, SETUP_IN_FLIGHT, async (p) => {
    const h = await household(profile, credentials, community, p.id, p.buyer);
    (p.buyer ? buyers : sellers).push(h);
  });
  const setupSeconds = (performance.now() - setupStart) / 1000;
  const groups = Array.from({ length: SELLERS }, (_, g) => buyers.slice(g * BUYERS, (g + 1) * BUYERS));
  // The interval after next: open for a day, its gate a minute before it.
  const intervalStart = formatInstant((Math.floor(Date.now() / 1000 / 900) + 2) * 900);

  const flowMs = [];
  let trades = 0;
  let failed = 0;
  let transactions = 0;
  const start = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    await Promise.all(
      sellers.map(async (seller, s) => {
        const t = performance.now();
        try {
          const { offer } = await call(url, seller.agentKey, 'POST', '/p2p/offers', {
            clientOfferId: `r${round}`,
            communityId: community,
            meterId: seller.meterId,
            intervalStart,
            energyWh: BUYERS * 100,
            minEnergyWh: 100,
            priceMicrosPerKwh: 120_000,
          });
          const group = groups[(s + round) % SELLERS];
          const requests = await Promise.all(
            group.map((b) =>
              call(url, b.agentKey, 'POST', `/p2p/offers/${offer.offerId}/requests`, { clientRequestId: `r${round}`, energyWh: 100 }),
            ),
          );
          const accepted = await call(url, seller.agentKey, 'POST', `/p2p/offers/${offer.offerId}/acceptances`, {
            requestIds: requests.map((r) => r.request.requestId),
          });
          trades += accepted.requests.filter((r) => r.status === 'accepted').length;
          transactions += 2 + requests.length;
          flowMs.push(performance.now() - t);
        } catch (e) {
          failed += 1;
          if (failed === 1) console.error(`agents.tradesPerSec: ${e.message}`);
        }
      }),
    );
  }
  const seconds = (performance.now() - start) / 1000;
  const tps = trades / seconds;
  const ratio = noopTps ? tps / noopTps : undefined;
  console.log(`${trades} P2P trades by agent keys in ${seconds.toFixed(1)} s (${tps.toFixed(1)} trades/s; noop.submitTps ${noopTps})`);
  results.push({ scenario: 'agents', metric: 'tradesPerSec', value: Number(tps.toFixed(1)), unit: 'trades/s' });
  if (ratio !== undefined) results.push({ scenario: 'agents', metric: 'tradesVsNoop', value: Number(ratio.toFixed(2)), unit: 'ratio' });
  rows.push({
    scenario: 'agents',
    metric: 'tradesPerSec',
    value: tps.toFixed(1),
    unit: 'trades/s',
    note:
      `${trades} trades by agent keys (${SELLERS} sellers at once × ${BUYERS} buyers × ${ROUNDS} rounds; offer, requests at once, ` +
      `one acceptance) in ${seconds.toFixed(1)} s, ${(transactions / seconds).toFixed(1)} tx/s; seller flow p50 ` +
      `${percentile(flowMs, 50).toFixed(0)} ms, p95 ${percentile(flowMs, 95).toFixed(0)} ms; ${failed} flows failed; ` +
      `${ratio === undefined ? 'no noop figure' : `${ratio.toFixed(2)} × noop.submitTps (${noopTps} tx/s), target ≥ 0.5`}; ` +
      `set-up of ${plan.length} households with agent keys ${setupSeconds.toFixed(0)} s`,
  });
}

module.exports = { agentTradeBenchmarks };
