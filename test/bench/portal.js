/**
 * The portal in Debian's Chromium (docs/portal.md), on the bench's platform after the other
 * scenarios have filled its ledger:
 *   - portal.firstViewMs: from navigation to the prosumer view shown with its balances and the stream
 *     live (the key already in the tab's session storage), median of 5 fresh tabs;
 *   - portal.eventToScreenP95Ms: a reading committed (the POST /readings answer) to its value on
 *     screen, through the event stream, p95 of 20 readings one after another.
 */
const { sign, randomBytes } = require('node:crypto');
const { performance } = require('node:perf_hooks');
const { chromium } = require('playwright-core');
const { formatInstant, readingSignedBytes } = require('@gridledger/core/core');
const { percentile } = require('./stats');
const { prosumerWithMeter } = require('./prosumer');

const VIEWS = 5;
const READINGS = 20;

async function portalBenchmarks(profile, credentials, results, rows, api) {
  const operator = credentials.apiKeys.community['community-operator'];
  const participantId = `bench-web-${randomBytes(4).toString('hex')}`;
  const { apiKey, meterId, privateKey } = await prosumerWithMeter(api, profile, operator, participantId, 600_000);
  const { intervalSeconds: step } = await api(profile, apiKey, 'GET', '/metering/params');
  const url = `${profile.orgs.community.gateway.url}/portal/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const openView = async () => {
      const context = await browser.newContext({ locale: 'en-US' });
      await context.addInitScript((key) => sessionStorage.setItem('gridledger.apiKey', key), apiKey);
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(url);
      await page.getByTestId('credits').waitFor();
      await page.getByTestId('stream').filter({ hasText: 'Live' }).waitFor();
      return { context, page, ms: performance.now() - t0 };
    };
    const views = [];
    for (let i = 0; i < VIEWS - 1; i++) {
      const view = await openView();
      views.push(view.ms);
      await view.context.close();
    }
    const live = await openView(); // the last tab stays open for the readings
    views.push(live.ms);
    const firstView = percentile(views, 50);
    results.push({ scenario: 'portal', metric: 'firstViewMs', value: Math.round(firstView), unit: 'ms' });
    rows.push({
      scenario: 'portal',
      metric: 'firstViewMs',
      value: firstView.toFixed(0),
      unit: 'ms (median of 5)',
      note: `navigation to the prosumer view with balances and the stream live, Chromium headless; min ${Math.min(...views).toFixed(0)} ms, max ${Math.max(...views).toFixed(0)} ms`,
    });

    // Readings of the intervals that ended last, oldest first: each becomes the latest interval on screen.
    const now = Math.floor(Date.now() / 1000);
    const first = now - (now % step) - READINGS * step;
    const latencies = [];
    for (let i = 0; i < READINGS; i++) {
      const exportWh = 1_001 + i;
      const reading = {
        meterId,
        intervalStart: formatInstant(first + i * step),
        seq: i + 1,
        importWh: 100,
        exportWh,
        importRegisterWh: 100 * (i + 1),
        exportRegisterWh: (i + 1) * 1_001 + (i * (i + 1)) / 2,
      };
      const sig = sign('sha256', readingSignedBytes(reading), privateKey).toString('base64');
      const answer = await api(profile, operator, 'POST', '/readings', { readings: [{ ...reading, sig }] });
      if (answer.results[0].status !== 'accepted') throw new Error(`portal bench reading: ${JSON.stringify(answer.results[0])}`);
      const committed = performance.now();
      const shown = `${(exportWh / 1000).toFixed(3)} kWh`;
      await live.page.getByTestId('live').getByText(shown, { exact: true }).first().waitFor({ timeout: 30_000 });
      latencies.push(performance.now() - committed);
    }
    const p95 = percentile(latencies, 95);
    results.push({ scenario: 'portal', metric: 'eventToScreenP95Ms', value: Math.round(p95), unit: 'ms' });
    rows.push({
      scenario: 'portal',
      metric: 'eventToScreenP95Ms',
      value: p95.toFixed(0),
      unit: 'ms',
      note: `${READINGS} readings, each from its committed answer to its value on screen (event stream, then the reading read); p50 ${percentile(latencies, 50).toFixed(0)} ms`,
    });
  } finally {
    await browser.close();
  }
}

module.exports = { portalBenchmarks };
