/**
 * certificates.issue24kSeconds / certificates.claimsPerSec (docs/certificates.md, issue 21):
 *  - GRIDLEDGER_BENCH_CERT_ASSETS (1000) regulator-verified solar assets, one per meter, of
 *    GRIDLEDGER_BENCH_CERT_PER_PARTICIPANT (10) meters per participant, spread over
 *    GRIDLEDGER_BENCH_CERT_COMMUNITIES (4) communities without a market; readings of
 *    GRIDLEDGER_BENCH_CERT_HOURS (24) past hours (4 intervals of 15 minutes each) posted by the
 *    operator in batches (POST /readings, one meter's readings in one batch), the hours' windows
 *    closed (POST /communities/{id}/windows/{start}/close, closePageMeters set so that one transaction
 *    closes a community's window; communities at once, a community's windows one after the other, as
 *    they share its participants' token counters). None of that is timed; the metering parameters
 *    are restored afterwards.
 *  - issue24kSeconds: every asset-hour issued through POST /certificates/issuances/batch as the
 *    operator, each batch one group of assets with all their hours (at most 100 asset-hours), so that
 *    batches in flight (GRIDLEDGER_BENCH_CERT_IN_FLIGHT, 8) never share an asset's issuance cursor;
 *    from the first request to the last answer (each answers once committed).
 *  - claimsPerSec: GRIDLEDGER_BENCH_CERT_CLAIMS (1000) claims of part of distinct bundles by their
 *    holders (POST /certificates/{bundleId}/claim), 100 in flight, beside noop.submitTps.
 */
const { generateKeyPairSync, randomBytes, sign } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { formatInstant, readingSignedBytes } = require('@gridledger/core/core');
const { ledgerClient } = require('@gridledger/network');
const { percentile } = require('./stats');
const { eachLimited } = require('./pool');

const env = (name, fallback) => Number(process.env[name] ?? fallback);

async function call(profile, org, key, method, path, body) {
  const res = await fetch(`${profile.orgs[org].gateway.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** `call` that throws on a status other than `want`, trying again what the ledger may answer otherwise a moment later. */
async function must(profile, org, key, method, path, body, want = [200, 201]) {
  for (let attempt = 1; ; attempt++) {
    const res = await call(profile, org, key, method, path, body);
    if (want.includes(res.status)) return res.body;
    // Busy, an MVCC race, or a peer of another organization one block behind.
    const again = res.status === 503 || ['TRANSACTION_CONFLICT', 'ASSET_NOT_FOUND'].includes(res.body.error?.code);
    if (!again || attempt >= 5) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 500 * attempt));
  }
}

/**
 * The assets and their closed hours (not timed): participants, meters, verified assets, readings,
 * window closes. Answers the meters (with their holder's key), the hours and what the setup took.
 */
async function setUpHours(profile, credentials, { assets, hours, perParticipant, communityCount }) {
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const regulatorKey = credentials.apiKeys.regulator.regulator;
  const tag = randomBytes(3).toString('hex');
  const log = (m) => process.stderr.write(`certificates: ${m}\n`);
  const t0 = performance.now();
  const since = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;

  // Participants, each with perParticipant meters and a verified solar asset on each.
  const communities = Array.from({ length: communityCount }, (_, c) => `certb-${tag}-${c}`);
  const participants = Array.from({ length: Math.ceil(assets / perParticipant) }, (_, k) => ({
    participantId: `certb-${tag}-p${k}`,
    communityId: communities[k % communityCount],
  }));
  await eachLimited(participants, 10, async (p) => {
    p.apiKey = (
      await must(profile, 'community', operatorKey, 'POST', '/participants', { participantId: p.participantId, role: 'prosumer' })
    ).apiKey;
  });
  const meters = Array.from({ length: assets }, (_, k) => {
    const p = participants[Math.floor(k / perParticipant)];
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return { p, meterId: `${p.participantId}.m${k}`, assetId: `${p.participantId}.pv${k}`, privateKey, publicKey };
  });
  await eachLimited(meters, 20, async (m) => {
    await must(profile, 'community', m.p.apiKey, 'POST', '/meters', {
      meterId: m.meterId,
      participantId: m.p.participantId,
      kind: 'production',
      exportCapacityW: 10_000,
      communityId: m.p.communityId,
      publicKeyPem: m.publicKey.export({ type: 'spki', format: 'pem' }),
    });
    await must(profile, 'community', m.p.apiKey, 'POST', '/assets', {
      assetId: m.assetId,
      participantId: m.p.participantId,
      meterId: m.meterId,
      source: 'solar',
      capacityW: 10_000,
      zone: 'z1',
      feeder: 'f1',
      location: '52.40 N 13.10 E',
      commissionedOn: '2024-05-01',
      certificationHash: 'ab'.repeat(32),
    });
  });
  // After all registrations: the regulator's peer has then seen them (a peer of another organization may lag a block).
  await eachLimited(meters, 20, (m) => must(profile, 'regulator', regulatorKey, 'POST', `/assets/${m.assetId}/verification`));
  log(`${participants.length} participants, ${assets} meters and verified assets in ${since()}`);

  // Readings of the hours that ended 3 to 3 + hours hours ago: one meter's in one batch (its reading head is one key).
  const first = Math.floor(Date.now() / 3_600_000) * 3600 - (hours + 2) * 3600;
  const hourStarts = Array.from({ length: hours }, (_, h) => formatInstant(first + h * 3600));
  const intervals = Array.from({ length: hours * 4 }, (_, i) => formatInstant(first + i * 900));
  const perBatch = Math.max(1, Math.floor(200 / intervals.length));
  const readingBatches = [];
  for (let k = 0; k < meters.length; k += perBatch) {
    readingBatches.push(
      meters.slice(k, k + perBatch).flatMap((m, j) => {
        let register = 0;
        return intervals.map((intervalStart, i) => {
          const exportWh = 50 + ((i * 7 + (k + j) * 13) % 200);
          register += exportWh;
          const r = {
            meterId: m.meterId,
            intervalStart,
            seq: i + 1,
            importWh: 0,
            exportWh,
            importRegisterWh: 0,
            exportRegisterWh: register,
          };
          return { ...r, sig: sign('sha256', readingSignedBytes(r), m.privateKey).toString('base64') };
        });
      }),
    );
  }
  const tr = performance.now();
  await eachLimited(readingBatches, 8, async (readings) => {
    const { results: answered } = await must(profile, 'community', operatorKey, 'POST', '/readings', { readings });
    const bad = answered.filter((x) => x.status !== 'accepted');
    if (bad.length > 0) throw new Error(`readings: ${JSON.stringify(bad[0])}`);
  });
  const readingSeconds = (performance.now() - tr) / 1000;
  log(`${assets * intervals.length} readings in ${readingSeconds.toFixed(0)} s (${since()})`);

  const tw = performance.now();
  await Promise.all(
    communities.map(async (c) => {
      for (const intervalStart of intervals)
        await must(profile, 'community', operatorKey, 'POST', `/communities/${c}/windows/${encodeURIComponent(intervalStart)}/close`);
    }),
  );
  const closeSeconds = (performance.now() - tw) / 1000;
  log(`${communities.length * intervals.length} windows closed in ${closeSeconds.toFixed(0)} s (${since()})`);
  return { meters, hourStarts, readingSeconds, closeSeconds, closes: communities.length * intervals.length };
}

async function certificateBenchmarks(profile, credentials, results, rows, noopTps) {
  const assets = env('GRIDLEDGER_BENCH_CERT_ASSETS', 1000);
  const hours = env('GRIDLEDGER_BENCH_CERT_HOURS', 24);
  const perParticipant = env('GRIDLEDGER_BENCH_CERT_PER_PARTICIPANT', 10);
  const communityCount = env('GRIDLEDGER_BENCH_CERT_COMMUNITIES', 4);
  const inFlight = env('GRIDLEDGER_BENCH_CERT_IN_FLIGHT', 8);
  const claims = env('GRIDLEDGER_BENCH_CERT_CLAIMS', 1000);
  const operatorKey = credentials.apiKeys.community['community-operator'];
  const log = (m) => process.stderr.write(`certificates: ${m}\n`);
  // 15-minute intervals, and each community's window closed in one transaction; the parameters as they were afterwards.
  const operator = ledgerClient(profile, 'community', profile.orgs.community.users['community-operator']);
  const before = await operator.evaluate('metering:getParams');
  const closePageMeters = Math.ceil(assets / communityCount);
  await operator.submit('metering:setParams', JSON.stringify({ intervalSeconds: 900, closePageMeters }));
  try {
    await issueAndClaim();
  } finally {
    await operator.submit('metering:setParams', before);
    operator.close();
  }

  async function issueAndClaim() {
    const { meters, hourStarts, readingSeconds, closeSeconds, closes } = await setUpHours(profile, credentials, {
      assets,
      hours,
      perParticipant,
      communityCount,
    });

    // Issuance: groups of assets with all their hours, at most 100 asset-hours a batch.
    const assetsPerBatch = Math.max(1, Math.floor(100 / hours));
    const batches = [];
    for (let k = 0; k < meters.length; k += assetsPerBatch)
      batches.push(meters.slice(k, k + assetsPerBatch).flatMap((m) => hourStarts.map((hourStart) => ({ assetId: m.assetId, hourStart }))));
    const latencies = [];
    const bundles = [];
    let refused = 0;
    const ti = performance.now();
    await eachLimited(batches, inFlight, async (items) => {
      const t = performance.now();
      const out = await must(profile, 'community', operatorKey, 'POST', '/certificates/issuances/batch', { items });
      latencies.push(performance.now() - t);
      for (const [k, item] of out.items.entries()) {
        if (item.status !== 'issued') refused += 1;
        else if (item.bundleId !== null)
          bundles.push({ bundleId: item.bundleId, hourStart: items[k].hourStart, assetId: items[k].assetId });
      }
    });
    const issueSeconds = (performance.now() - ti) / 1000;
    const issued = assets * hours - refused;
    log(`${issued} asset-hours issued (${refused} refused) in ${issueSeconds.toFixed(1)} s`);
    results.push({
      scenario: 'certificates',
      metric: `issue${Math.round((assets * hours) / 1000)}kSeconds`,
      value: Number(issueSeconds.toFixed(1)),
      unit: 's',
      assets,
      hours,
      issued,
      refused,
      batches: batches.length,
      inFlight,
      readingsSeconds: Math.round(readingSeconds),
      windowCloseSeconds: Math.round(closeSeconds),
    });
    rows.push({
      scenario: 'certificates',
      metric: `issue${Math.round((assets * hours) / 1000)}kSeconds`,
      value: issueSeconds.toFixed(1),
      unit: 's',
      note: `${assets} assets x ${hours} h = ${issued} asset-hours issued, ${refused} refused, ${batches.length} batches of ≤ 100, ${inFlight} in flight, p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms a batch; ${(issued / issueSeconds).toFixed(0)} asset-hours/s (target 24,000 in 60 s); setup not timed: readings ${readingSeconds.toFixed(0)} s, ${closes} window closes ${closeSeconds.toFixed(0)} s`,
    });

    // Claims: part (1 Wh) of distinct bundles, by their holders.
    const keyOf = new Map(meters.map((m) => [m.assetId, m.p.apiKey]));
    const chosen = bundles.slice(0, claims);
    const claimLatencies = [];
    let claimFailed = 0;
    const tc = performance.now();
    await eachLimited(chosen, 100, async (b) => {
      const t = performance.now();
      const end = formatInstant(Date.parse(b.hourStart) / 1000 + 3600);
      const res = await call(profile, 'community', keyOf.get(b.assetId), 'POST', `/certificates/${b.bundleId}/claim`, {
        quantityWh: 1,
        beneficiary: 'bench',
        purpose: 'scope 2',
        consumptionPeriodStart: b.hourStart,
        consumptionPeriodEnd: end,
        location: 'Potsdam',
      });
      if (res.status === 200) claimLatencies.push(performance.now() - t);
      else claimFailed += 1;
    });
    const claimSeconds = (performance.now() - tc) / 1000;
    const cps = claimLatencies.length / claimSeconds;
    results.push({
      scenario: 'certificates',
      metric: 'claimsPerSec',
      value: Number(cps.toFixed(1)),
      unit: 'claims/s',
      claims: chosen.length,
    });
    rows.push({
      scenario: 'certificates',
      metric: 'claimsPerSec',
      value: cps.toFixed(1),
      unit: 'claims/s',
      note: `${chosen.length} claims of 1 Wh of distinct bundles by their holders, 100 in flight, ${claimFailed} failed, p50 ${percentile(claimLatencies, 50).toFixed(0)} ms, p95 ${percentile(claimLatencies, 95).toFixed(0)} ms${noopTps ? `; ${(cps / noopTps).toFixed(2)} × noop.submitTps (target 0.5)` : ''}`,
    });
  }
}

module.exports = { certificateBenchmarks, setUpHours, must };
