/**
 * orders.committedTps / orders.p95Ms: 1,000 buy and sell orders placed through the Community
 * gateway's POST /orders (which answers once the transaction has committed) by 50 participants at
 * once, each sending its own orders one after the other (orders of one participant share its
 * account and book keys, so a client sends them in sequence); reported beside the no-op rate.
 */
const { generateKeyPairSync, randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { formatInstant } = require('@gridledger/core/core');

const { percentile } = require('./stats');

async function call(profile, key, method, path, body) {
  const res = await fetch(`${profile.orgs.community.gateway.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

async function marketBenchmarks(profile, credentials, results, rows, noopTps) {
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const utilityKey = credentials.apiKeys.utility.utility;
  const community = `bench-${randomBytes(3).toString('hex')}`;
  await call(profile, operatorKey, 'PATCH', `/markets/${community}/params`, { intervalSeconds: 900, gateClosureSeconds: 300, openingHorizonSeconds: 86400 });
  const participants = [];
  for (let k = 0; k < 50; k++) {
    const participantId = `${community}-${k}`;
    const { body } = await call(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await call(profile, body.apiKey, 'POST', '/meters', {
      meterId: `${participantId}.main`, participantId, kind: 'bidirectional', exportCapacityW: 1_000_000, communityId: community,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    });
    const side = k % 2 === 0 ? 'sell' : 'buy';
    if (side === 'buy') await fetch(`${profile.orgs.utility.gateway.url}/api/v1/credits/deposits`, {
      method: 'POST',
      headers: { authorization: `Bearer ${utilityKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ participantId, amountMicros: 100_000_000, reference: `dep-${participantId}` }),
    });
    participants.push({ participantId, apiKey: body.apiKey, side });
  }
  // The interval after next: open for a day, its gate 5 minutes before it.
  const intervalStart = formatInstant((Math.floor(Date.now() / 1000 / 900) + 2) * 900);
  const latencies = [];
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    participants.map(async (p) => {
      for (let n = 0; n < 20; n++) {
        const t = performance.now();
        const res = await call(profile, p.apiKey, 'POST', '/orders', {
          clientOrderId: `o${n}`, communityId: community, intervalStart, side: p.side, energyWh: 100 + n, priceMicrosPerKwh: 100_000 + n * 1000,
        });
        if (res.status === 201) latencies.push(performance.now() - t);
        else failed += 1;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  const tps = latencies.length / seconds;
  const p95 = percentile(latencies, 95);
  results.push({ scenario: 'orders', metric: 'committedTps', value: Number(tps.toFixed(1)), unit: 'orders/s' });
  results.push({ scenario: 'orders', metric: 'p95Ms', value: Math.round(p95), unit: 'ms' });
  rows.push({ scenario: 'orders', metric: 'committedTps', value: tps.toFixed(1), unit: 'orders/s', note: `1000 orders, 50 participants at once through the gateway, ${failed} failed, ${noopTps ? `${(tps / noopTps).toFixed(2)} × noop.submitTps` : ''}` });
  rows.push({ scenario: 'orders', metric: 'p95Ms', value: p95.toFixed(0), unit: 'ms', note: `POST /orders to committed; p50 ${percentile(latencies, 50).toFixed(0)} ms` });
}

module.exports = { marketBenchmarks };
