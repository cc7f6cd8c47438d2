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
  await call(profile, operatorKey, 'PATCH', `/markets/${community}/params`, {
    intervalSeconds: 900,
    gateClosureSeconds: 300,
    openingHorizonSeconds: 86400,
  });
  const participants = [];
  for (let k = 0; k < 50; k++) {
    const participantId = `${community}-${k}`;
    const { body } = await call(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await call(profile, body.apiKey, 'POST', '/meters', {
      meterId: `${participantId}.main`,
      participantId,
      kind: 'bidirectional',
      exportCapacityW: 1_000_000,
      communityId: community,
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
    });
    const side = k % 2 === 0 ? 'sell' : 'buy';
    if (side === 'buy')
      await fetch(`${profile.orgs.utility.gateway.url}/api/v1/credits/deposits`, {
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
          clientOrderId: `o${n}`,
          communityId: community,
          intervalStart,
          side: p.side,
          energyWh: 100 + n,
          priceMicrosPerKwh: 100_000 + n * 1000,
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
  rows.push({
    scenario: 'orders',
    metric: 'committedTps',
    value: tps.toFixed(1),
    unit: 'orders/s',
    note: `1000 orders, 50 participants at once through the gateway, ${failed} failed, ${noopTps ? `${(tps / noopTps).toFixed(2)} × noop.submitTps` : ''}`,
  });
  rows.push({
    scenario: 'orders',
    metric: 'p95Ms',
    value: p95.toFixed(0),
    unit: 'ms',
    note: `POST /orders to committed; p50 ${percentile(latencies, 50).toFixed(0)} ms`,
  });
}

/**
 * clearing.settle1kSeconds / settle10kSeconds: one interval of 1,000 and one of 10,000 orders from
 * the same 200 participants (100 sellers, 100 buyers with credits, each with a metered meter), then
 * the operator's close, clear and settle on the ledger. The figure is the time of the clearing and
 * settlement transactions (endorsement + ordering + commit, every page of them), not the placement
 * of the orders. Beside it: the chaincode's endorsement time against the execute timeout, and the
 * size of each transaction (envelope with its read-write set) against the orderer's AbsoluteMaxBytes.
 */
const PARTICIPANTS = 200;
const LEN = 60;

/** One submit through proposal → endorse → submit → commit status, with the times and the envelope's size. */
async function measuredSubmit(contract, fn, args) {
  const t0 = performance.now();
  const tx = await contract.newProposal(fn, { arguments: args }).endorse({ deadline: Date.now() + 300_000 });
  const t1 = performance.now();
  const bytes = tx.getBytes().length;
  const commit = await tx.submit({ deadline: Date.now() + 120_000 });
  const status = await commit.getStatus({ deadline: Date.now() + 300_000 });
  const t2 = performance.now();
  if (!status.successful) throw new Error(`${fn} ${args.join(' ')}: commit status ${status.code}`);
  return { result: JSON.parse(new TextDecoder().decode(tx.getResult())), endorseMs: t1 - t0, totalMs: t2 - t0, bytes };
}

async function settlementBenchmarks(profile, credentials, results, rows) {
  const { ledgerClient } = require('@gridledger/network');
  const { readingSignedBytes } = require('@gridledger/core/core');
  const { sign } = require('node:crypto');
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const utilityKey = credentials.apiKeys.utility.utility;
  const operator = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  const community = `settle-${randomBytes(3).toString('hex')}`;
  const traders = [];
  try {
    const meteringBefore = await operator.evaluate('metering:getParams');
    await operator.submit('metering:setParams', JSON.stringify({ intervalSeconds: LEN }));
    await call(profile, operatorKey, 'PATCH', `/markets/${community}/params`, {
      intervalSeconds: LEN,
      gateClosureSeconds: 5,
      openingHorizonSeconds: 7200,
      feedInMicrosPerKwh: 50_000,
      retailMicrosPerKwh: 300_000,
      gridFeeMicrosPerKwh: 10_000,
      kPpm: 500_000,
    });
    for (let k = 0; k < PARTICIPANTS; k += 20) {
      traders.push(
        ...(await Promise.all(
          Array.from({ length: 20 }, async (_, j) => {
            const participantId = `${community}-${k + j}`;
            const { body } = await call(profile, operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
            const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
            const meterId = `${participantId}.main`;
            const m = await call(profile, body.apiKey, 'POST', '/meters', {
              meterId,
              participantId,
              kind: 'bidirectional',
              exportCapacityW: 2_000_000,
              communityId: community,
              publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }),
            });
            if (m.status !== 201) throw new Error(`meter: ${m.status} ${JSON.stringify(m.body)}`);
            const side = (k + j) % 2 === 0 ? 'sell' : 'buy';
            if (side === 'buy') {
              const res = await fetch(`${profile.orgs.utility.gateway.url}/api/v1/credits/deposits`, {
                method: 'POST',
                headers: { authorization: `Bearer ${utilityKey}`, 'content-type': 'application/json' },
                body: JSON.stringify({ participantId, amountMicros: 1_000_000_000, reference: `dep-${participantId}` }),
              });
              if (res.status !== 201) throw new Error(`deposit: ${res.status}`);
            }
            return { participantId, apiKey: body.apiKey, side, meterId, privateKey, seq: 0, imp: 0, exp: 0 };
          }),
        )),
      );
    }
    let rate = 40; // orders/s, corrected by each run
    // GRIDLEDGER_BENCH_100K=1 adds an interval of 100,000 orders (placed in batches; about half an
    // hour on the 2-core machine), =only runs it without the 1,000 and 10,000.
    const big = process.env.GRIDLEDGER_BENCH_100K;
    const sizes = [
      ...(big === 'only'
        ? []
        : [
            [1_000, 'settle1kSeconds'],
            [10_000, 'settle10kSeconds'],
          ]),
      ...(big === '1' || big === 'only' ? [[100_000, 'settle100kSeconds']] : []),
    ];
    for (const [n, metric] of sizes) {
      try {
        rate = await oneInterval(n, metric, rate);
      } catch (e) {
        results.push({ scenario: 'clearing', metric, value: null, unit: 's', error: e.message });
        rows.push({ scenario: 'clearing', metric, value: 'error', unit: 's', note: e.message.slice(0, 400) });
      }
    }
    await operator.submit('metering:setParams', meteringBefore);
  } finally {
    operator.close();
  }

  async function oneInterval(n, metric, rate) {
    const each = n / PARTICIPANTS;
    // Beyond 10,000 orders they go in batches of 100 (POST /orders/batch), 20 clients at once,
    // at GRIDLEDGER_BENCH_BATCH_RATE orders/s (default 120, measured 150 with 10 clients in the
    // e2e file); sellers' orders smaller, to fit their capacity. Orders placed after the gate are refused and counted.
    const batched = n > 10_000;
    // Single orders are slower with more in flight and on a busy machine: twice the time the last run's rate gives.
    const I =
      Math.ceil((Date.now() / 1000 + (batched ? n / Number(process.env.GRIDLEDGER_BENCH_BATCH_RATE ?? 120) : (2 * n) / rate) + 60) / LEN) *
      LEN;
    const IS = formatInstant(I);
    const orderOf = (k, o) => ({
      clientOrderId: `${I}-${o}`,
      communityId: community,
      intervalStart: IS,
      side: traders[k].side,
      energyWh: batched ? 1 + ((k * 37 + o * 11) % 60) : 10 + ((k * 37 + o * 11) % 190),
      priceMicrosPerKwh: 50_000 + ((k * 13 + o * 7) % 250) * 1000,
    });
    let refused = 0;
    const t0 = performance.now();
    if (batched) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, client) => {
          for (let k = client; k < traders.length; k += 20) {
            for (let first = 0; first < each; first += 100) {
              const orders = Array.from({ length: Math.min(100, each - first) }, (_, j) => orderOf(k, first + j));
              // A batch the ledger did not answer in time (503) is sent again: it is idempotent.
              let res = await call(profile, traders[k].apiKey, 'POST', '/orders/batch', { orders });
              for (let again = 0; res.status === 503 && again < 3; again++)
                res = await call(profile, traders[k].apiKey, 'POST', '/orders/batch', { orders });
              if (res.status !== 201 && res.status !== 200) refused += orders.length;
            }
          }
        }),
      );
    } else {
      await Promise.all(
        traders.map(async (t, k) => {
          for (let o = 0; o < each; o++) {
            const res = await call(profile, t.apiKey, 'POST', '/orders', orderOf(k, o));
            if (res.status !== 201) refused += 1;
          }
        }),
      );
    }
    const placedSeconds = (performance.now() - t0) / 1000;
    if (!batched) rate = Math.max(5, (n - refused) / placedSeconds);
    while (Date.now() / 1000 < I - 5) await new Promise((r) => setTimeout(r, 500));
    await operator.submit('market:closeInterval', community, IS);
    const steps = [];
    const run = async (fn) => {
      for (;;) {
        const { result: interval } = { result: JSON.parse(await operator.evaluate('market:getInterval', community, IS)) };
        const step = nextStep(fn, interval);
        if (step === undefined) return;
        let measured;
        for (let attempt = 1; measured === undefined; attempt++) {
          measured = await measuredSubmit(operator.contract, step.fn, step.args).catch(async (e) => {
            // The endorsers' own messages (a chaincode error, a timeout) are in the details.
            const message = `${step.fn} ${step.args.slice(2).join(' ')}: ${e.message} ${JSON.stringify((e.details ?? []).map((d) => d.message))}`;
            // An endorser whose peer has not committed the last step yet answers differently: once more, a moment later.
            if (attempt >= 3) throw new Error(message);
            process.stderr.write(`${message}; again\n`);
            await new Promise((r) => setTimeout(r, 3000));
            return undefined;
          });
        }
        steps.push({ fn: step.fn, ...measured });
        process.stderr.write(
          `${n} orders: ${step.fn} ${step.args.slice(2).join(' ')} endorse ${(measured.endorseMs / 1000).toFixed(1)} s, total ${(measured.totalMs / 1000).toFixed(1)} s, ${(measured.bytes / 1e6).toFixed(2)} MB\n`,
        );
      }
    };
    await run('clear');
    const clearing = JSON.parse(await operator.evaluate('market:getClearing', community, IS));
    // Delivery: buyers use what they bought, sellers export what they sold and 20 Wh more.
    const filled = await filledByParticipant(operator, community, IS, clearing);
    while (Date.now() / 1000 < I + LEN + 1) await new Promise((r) => setTimeout(r, 500));
    const readings = traders.map((t) => {
      const importWh = t.side === 'buy' ? (filled.get(t.participantId) ?? 0) : 0;
      const exportWh = t.side === 'sell' ? (filled.get(t.participantId) ?? 0) + 20 : 0;
      t.seq += 1;
      t.imp += importWh;
      t.exp += exportWh;
      const r = { meterId: t.meterId, intervalStart: IS, seq: t.seq, importWh, exportWh, importRegisterWh: t.imp, exportRegisterWh: t.exp };
      return { ...r, sig: sign('sha256', readingSignedBytes(r), t.privateKey).toString('base64') };
    });
    for (let k = 0; k < readings.length; k += 100) {
      const res = await call(profile, operatorKey, 'POST', '/readings', { readings: readings.slice(k, k + 100) });
      const bad = (res.body.results ?? []).filter((x) => x.status !== 'accepted');
      if (res.status >= 300 || bad.length > 0) throw new Error(`readings: ${res.status} ${JSON.stringify(bad[0] ?? res.body)}`);
    }
    // Settlement waits for the interval's metering window: the operator closes it (paged, salted), as the scheduler would after the late window.
    const closed = await call(profile, operatorKey, 'POST', `/communities/${community}/windows/${encodeURIComponent(IS)}/close`);
    if (closed.status >= 300) throw new Error(`window close: ${closed.status} ${JSON.stringify(closed.body)}`);
    await run('settle');
    const seconds = steps.reduce((s, x) => s + x.totalMs, 0) / 1000;
    const maxEndorse = Math.max(...steps.map((x) => x.endorseMs)) / 1000;
    const maxBytes = Math.max(...steps.map((x) => x.bytes));
    const describe = (fn) => {
      const xs = steps.filter((x) => x.fn.startsWith(fn));
      return `${fn} ${xs.length} tx ${(xs.reduce((s, x) => s + x.totalMs, 0) / 1000).toFixed(1)} s (endorse ≤ ${(Math.max(...xs.map((x) => x.endorseMs)) / 1000).toFixed(1)} s, ≤ ${(Math.max(...xs.map((x) => x.bytes)) / 1e6).toFixed(2)} MB)`;
    };
    results.push({
      scenario: 'clearing',
      metric,
      value: Number(seconds.toFixed(1)),
      unit: 's',
      placedSeconds: Math.round(placedSeconds),
      orders: clearing.orderCount,
      trades: clearing.tradeCount ?? clearing.trades?.length,
      maxEndorseSeconds: Number(maxEndorse.toFixed(2)),
      maxTxBytes: maxBytes,
      steps: steps.map(({ fn, endorseMs, totalMs, bytes }) => ({
        fn,
        endorseMs: Math.round(endorseMs),
        totalMs: Math.round(totalMs),
        bytes,
      })),
    });
    rows.push({
      scenario: 'clearing',
      metric,
      value: seconds.toFixed(1),
      unit: 's',
      note: `${clearing.orderCount} orders (${refused} refused; placed in ${placedSeconds.toFixed(0)} s${batched ? ' in batches of 100' : ''}), ${PARTICIPANTS} participants, ${clearing.tradeCount ?? clearing.trades?.length} trades; ${describe('market:clear')}; ${describe('market:settle')}; largest tx ${(maxBytes / 1e6).toFixed(2)} MB of AbsoluteMaxBytes 10 MB, slowest endorsement ${maxEndorse.toFixed(1)} s of executetimeout 60 s (Fabric default 30 s, peer gateway endorsementTimeout 30 s)`,
    });
    return rate;
  }
}

/** The next clearing or settlement transaction of an interval, or undefined when the step is done. */
function nextStep(step, interval) {
  // Clearing and settlement in pages: the next page's number, from the interval record.
  if (step === 'clear')
    return interval.status === 'closed' || interval.status === 'clearing'
      ? { fn: 'market:clearInterval', args: [interval.communityId, interval.intervalStart, String(interval.clearing?.pagesDone ?? 0)] }
      : undefined;
  if (interval.status === 'cleared' || interval.status === 'settling')
    return {
      fn: 'market:settleInterval',
      args: [interval.communityId, interval.intervalStart, String(interval.settlement?.pagesDone ?? 0)],
    };
  return undefined;
}

/** Each participant's filled energy in a clearing. */
async function filledByParticipant(_operator, _community, _intervalStart, clearing) {
  const filled = new Map();
  for (const f of clearing.fills) filled.set(f.participantId, (filled.get(f.participantId) ?? 0) + f.filledWh);
  return filled;
}

module.exports = { marketBenchmarks, settlementBenchmarks, call };
