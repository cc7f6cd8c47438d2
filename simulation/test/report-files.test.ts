/**
 * The report's files: CSV, PNG charts rendered without a browser (vega-lite → SVG → resvg) and the
 * HTML page, which must open in headless Chromium without console errors and show its charts.
 * The charts need vega's ES modules, which jest's CommonJS sandbox cannot import: they are rendered
 * by the build's render-charts.js in a child process (`npx tsc -b` first), as at run time.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { intervalFigures } from '@gridledger/core';
import { report } from '../src/kpi';
import { htmlPage, toCsv, writeReport, type RunReport } from '../src/report-files';

const figures = (p: number, c: number) =>
  intervalFigures({
    params: { retailMicrosPerKwh: 320_000, gridFeeMicrosPerKwh: 20_000 },
    clearing: {
      priceMicrosPerKwh: 150_000,
      volumeWh: 300,
      fills: [
        { participantId: 'a', side: 'sell', energyWh: 300, filledWh: 300 },
        { participantId: 'b', side: 'buy', energyWh: 400, filledWh: 300 },
      ],
    },
    contracts: [],
    deviations: [],
    metering: [{ productionWh: p, consumptionWh: c }],
  });

const intervals = ['2026-12-06T10:00:00Z', '2026-12-06T10:01:00Z'].map((intervalStart, k) => ({
  intervalStart,
  record: { status: 'settled', params: { intervalSeconds: 60, gateClosureSeconds: 10 } },
  figures: figures(900 + k * 100, 700),
  fills: [],
  tradeCount: 1,
  settled: [
    { participantId: 'a', netWh: 300, netMicros: 45_000 },
    { participantId: 'b', netWh: -400, netMicros: -103_000 },
  ],
}));
const flat = { name: 'flat', retailMicrosPerKwh: 320_000, feedInMicrosPerKwh: 80_000 };
// Peak from 12:00 simulated: both of b's intervals (12:00 and 12:15) are at the peak price.
const tou = {
  name: 'time-of-use',
  retailMicrosPerKwh: 250_000,
  feedInMicrosPerKwh: 70_000,
  peak: { fromHour: 12, toHour: 14, retailMicrosPerKwh: 400_000 },
};
const sample: RunReport = {
  run: {
    scenario: 'sample',
    description: 'two homes <and> two intervals',
    communityId: 'sim-x',
    homes: 2,
    from: intervals[0].intervalStart,
    to: '2026-12-06T10:02:00Z',
    simulatedFrom: '2026-06-18T12:00:00Z',
    simulatedTo: '2026-06-18T12:30:00Z',
    ledgerIntervalSeconds: 60,
    simulatedSecondsPerInterval: 900,
    speed: 15,
    wallSeconds: 200,
    phases: { setup: 1, onboarding: 20, agents: 0, untilFirstInterval: 40, intervals: 120, settlementAfterLast: 15, readingLedger: 4 },
    ordersPlacedSeconds: 3.5,
    readingsPublishedSeconds: 0.2,
    participants: { 'home-001': 'a', 'home-002': 'b' },
    tariffs: [flat, tou],
    orders: 'agents',
  },
  ...report({
    simIntervalSeconds: 900,
    simulatedStart: (instant) =>
      Date.parse('2026-06-18T12:00:00Z') / 1000 + (Date.parse(instant) - Date.parse(intervals[0].intervalStart)) * 15e-3,
    homes: [
      { participantId: 'a', homeId: 'home-001', tariff: flat },
      { participantId: 'b', homeId: 'home-002', tariff: tou },
    ],
    intervals,
    period: figures(1900, 1400),
    requests: { sent: 4, failed: 0, retried: 0 },
  }),
};

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('the report files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gl-sim-report-'));

  beforeAll(async () => {
    await writeReport(dir, sample, (i) => i.slice(11, 16));
  }, 90_000);

  it('CSV quotes what needs quoting, one header and a row each', () => {
    expect(
      toCsv([
        { a: 1, b: 'x,y' },
        { a: null, b: 'say "hi"' },
      ]),
    ).toBe('a,b\n1,"x,y"\n,"say ""hi"""\n');
    const csv = readFileSync(join(dir, 'homes.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('participantId,homeId,tariff,settledIntervals,netWh,marketMicros,tariffMicros,savingsMicros');
    // a (flat): 90,000 against 600 Wh × 0.08 = 48,000; b (time of use, at its peak): −206,000 against −800 Wh × 0.40 = −320,000.
    expect(csv.slice(1)).toEqual(['a,home-001,flat,2,600,90000,48000,42000', 'b,home-002,time-of-use,2,-800,-206000,-320000,114000']);
  });

  it('the charts are PNG of the size the specification asks for, with something drawn', () => {
    for (const file of ['energy.png', 'prices.png', 'savings.png']) {
      const bytes = readFileSync(join(dir, file));
      const { width, height } = pngSize(bytes);
      expect(width).toBeGreaterThan(640);
      expect(height).toBeGreaterThan(260);
      expect(bytes.length).toBeGreaterThan(5_000);
    }
  });

  it('the page escapes text and opens in headless Chromium without console errors, its charts loaded', async () => {
    expect(htmlPage(sample, [])).toContain('two homes &lt;and&gt; two intervals');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(dir, 'index.html')).href);
      const widths = await page.$$eval('img', (imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
      expect(widths).toHaveLength(3);
      for (const w of widths) expect(w).toBeGreaterThan(640);
      expect(await page.textContent('h1')).toBe('Simulation sample');
      expect(await page.textContent('table')).toContain('Self-sufficiency');
      expect(await page.textContent('main > p:nth-of-type(2)')).toContain("orders placed by the homes' agents");
      expect(await page.textContent('body')).toContain('time-of-useimport 0.250, 0.400 12:00-14:00 UTC; feed-in 0.070');
      expect(await page.textContent('body')).toContain('Savings of the 1 homes on tariff time-of-use (credits)0.114');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
