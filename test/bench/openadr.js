/**
 * OpenADR benchmark (docs/openadr.md), on the platform ledger.js started:
 *  - flex.eventToVenP95Ms: GRIDLEDGER_BENCH_OPENADR_VENS (1000) VENs subscribed to one program by
 *    webhook at the Community gateway's VTN (GRIDLEDGER_BENCH_OPENADR_HOUSEHOLDS (20) households,
 *    each the token of its share of the VENs; one webhook URL per VEN, all served by this process);
 *    the operator creates GRIDLEDGER_BENCH_OPENADR_EVENTS (10) events through the VTN one after the
 *    other. A notification's latency runs from the operator's POST /events to the VEN's webhook
 *    receiving it: the ledger's commit of the event, then the VTN's POSTs to every subscriber.
 */
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:http');
const { performance } = require('node:perf_hooks');
const { hashKey, keyIdOf } = require('@gridledger/gateway-api');
const { percentile } = require('./stats');

const instant = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** A VTN client of one API key: its bearer token (the scopes asked for), then JSON calls; a status of 300 or more throws. */
async function vtnClient(vtnUrl, apiKey, scope) {
  const form = { grant_type: 'client_credentials', client_id: keyIdOf(hashKey(apiKey)), client_secret: apiKey, scope };
  const res = await fetch(`${vtnUrl}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${await res.text()}`);
  const { access_token: token } = await res.json();
  return async (method, path, body) => {
    const r = await fetch(`${vtnUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await r.json();
    if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** A webhook server: `onNotified(path, eventId, at)` for each notification POSTed to it. */
async function webhookServer(onNotified) {
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const at = performance.now();
      res.statusCode = 204;
      res.end();
      try {
        onNotified(req.url, JSON.parse(data).object?.id, at);
      } catch {
        // not a notification: ignored
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/** `call` is ledger.js's apiAt: a gateway's JSON answer, or an error for a status of 300 or more. */
async function openadrBenchmarks(profile, credentials, results, rows, call) {
  const vens = Number(process.env.GRIDLEDGER_BENCH_OPENADR_VENS ?? 1000);
  const households = Math.min(vens, Number(process.env.GRIDLEDGER_BENCH_OPENADR_HOUSEHOLDS ?? 20));
  const events = Number(process.env.GRIDLEDGER_BENCH_OPENADR_EVENTS ?? 10);
  const url = profile.orgs.community.gateway.url;
  const vtnUrl = `${url}/openadr3/3.0.1`;
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const tag = randomBytes(3).toString('hex');
  const program = `bench-dr-${tag}`;
  const { intervalSeconds } = await call(url, operatorKey, 'GET', '/metering/params');

  const pending = new Map(); // eventId → { t0, left: Set of paths, done }
  const latencies = [];
  const server = await webhookServer((path, eventId, at) => {
    const p = pending.get(eventId);
    if (!p || !p.left.delete(path)) return;
    latencies.push(at - p.t0);
    if (p.left.size === 0) p.done();
  });
  const port = server.address().port;
  const paths = Array.from({ length: vens }, (_, k) => `/ven-${k}`);
  let missed = 0;
  try {
    // The households (onboarded by the operator) subscribe their VENs' webhooks, a household at a time in parallel.
    const keys = [];
    for (let h = 0; h < households; h++) {
      const { apiKey } = await call(url, operatorKey, 'POST', '/participants', { participantId: `oadr-${tag}-${h}`, role: 'prosumer' });
      keys.push(apiKey);
    }
    await Promise.all(
      keys.map(async (apiKey, h) => {
        const ven = await vtnClient(vtnUrl, apiKey, 'read_targets write_subscriptions');
        for (let k = h; k < vens; k += households) {
          const callbackUrl = `http://127.0.0.1:${port}${paths[k]}`;
          await ven('POST', '/subscriptions', {
            clientName: `ven-${k}`,
            programID: program,
            objectOperations: [{ objects: ['EVENT'], operations: ['CREATE'], callbackUrl }],
          });
        }
      }),
    );
    // The operator's events, one interval each, one after the other, starting a few intervals ahead.
    const operator = await vtnClient(vtnUrl, operatorKey, 'read_all write_events');
    const first = Math.ceil((Date.now() / 1000 + 600) / intervalSeconds) * intervalSeconds;
    for (let e = 0; e < events; e++) {
      const id = `bench-ev-${tag}-${e}`;
      const done = new Promise((resolve) => pending.set(id, { t0: performance.now(), left: new Set(paths), done: resolve }));
      await operator('POST', '/events', {
        id,
        programID: program,
        targets: [
          { type: 'GL_COMMUNITY', values: [profile.mqtt.communityId] },
          { type: 'GL_ZONE', values: ['bench'] },
        ],
        intervalPeriod: { start: instant(first + e * intervalSeconds), duration: `PT${intervalSeconds}S` },
        intervals: [
          {
            id: 0,
            payloads: [
              { type: 'PRICE', values: [0.4] },
              { type: 'DISPATCH_SETPOINT_RELATIVE', values: [-5000] },
            ],
          },
        ],
      });
      await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
      missed += pending.get(id).left.size;
      pending.delete(id);
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const p95 = percentile(latencies, 95);
  results.push({ scenario: 'flex', metric: 'eventToVenP95Ms', value: Math.round(p95), unit: 'ms' });
  rows.push({
    scenario: 'flex',
    metric: 'eventToVenP95Ms',
    value: p95.toFixed(0),
    unit: 'ms',
    note:
      `${events} events created through the VTN, each notified to ${vens} VEN webhooks (${households} households' tokens): ` +
      `operator's POST /events to the webhook's receipt; p50 ${percentile(latencies, 50).toFixed(0)} ms, ` +
      `max ${Math.max(...latencies).toFixed(0)} ms, ${missed} notifications missed`,
  });
}

module.exports = { openadrBenchmarks };
