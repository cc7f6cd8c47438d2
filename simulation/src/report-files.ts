/**
 * Writes a run's report into its directory: report.json (everything), intervals.csv and
 * homes.csv (one row each), the PNG charts and index.html, a page that shows the figures and the
 * charts and links the files. The page has no script and loads nothing but its own PNGs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ratio } from '@gridledger/core';
import { chartSpecs, renderPngs } from './charts';
import type { Report } from './kpi';
import type { HomeTariff } from './tariff';

/** Where a run's wall time went, in seconds by the client's clock, each phase from the end of the one before. */
export interface Phases {
  /** Metering and market parameters. */
  setup: number;
  /** Participants, meters and deposits. */
  onboarding: number;
  /** Mandates, agent keys and the agent process (orders: "agents"). */
  agents: number;
  /** Until the first ledger interval starts (its orders go out in it). */
  untilFirstInterval: number;
  /** The run's ledger intervals: their number times the ledger's interval. */
  intervals: number;
  /** From the last interval's end until every interval is settled. */
  settlementAfterLast: number;
  /** Reading the report's records from the ledger. */
  readingLedger: number;
}

export interface RunReport extends Report {
  run: {
    scenario: string;
    description: string;
    communityId: string;
    homes: number;
    /** Ledger intervals [from, to) and the simulated stretch they stand for. */
    from: string;
    to: string;
    simulatedFrom: string;
    simulatedTo: string;
    ledgerIntervalSeconds: number;
    simulatedSecondsPerInterval: number;
    speed: number;
    wallSeconds: number;
    phases: Phases;
    /** The longest an interval's orders took to place, and its readings to publish (s; null: none). */
    ordersPlacedSeconds: number | null;
    readingsPublishedSeconds: number | null;
    /** Each home's participant id on the ledger, and the tariffs the homes' savings are measured against (each home's: its row). */
    participants: Record<string, string>;
    tariffs: HomeTariff[];
    /** Who placed the homes' orders (Scenario.orders). */
    orders: 'simulator' | 'agents';
  };
}

/** RFC 4180 CSV of objects with the same keys. */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  const cols = Object.keys(rows[0]);
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const pct = (r: Ratio | null | undefined) => (r?.ppm == null ? 'n/a' : `${(r.ppm / 10_000).toFixed(1)} %`);
const credits = (micros: number | null) => (micros === null ? 'n/a' : `${(micros / 1e6).toFixed(3)}`);
const kwh = (wh: number) => `${(wh / 1000).toFixed(2)} kWh`;

/** The figures of the report as label and value, for the page and the console. */
export function kpiLines(r: Report): [string, string][] {
  const k = r.kpis;
  const t = k.timeToTrade;
  return [
    ['Self-sufficiency', pct(k.selfSufficiency)],
    ['Self-consumption', pct(k.selfConsumption)],
    ['Share of demand met locally (P2P)', pct(k.shareOfDemandMetLocally)],
    ['P2P volume', kwh(k.p2pVolumeWh)],
    ['Average P2P price (credits/kWh)', credits(k.averageP2pPriceMicrosPerKwh)],
    ['Average paid price, with grid fee (credits/kWh)', credits(k.averagePaidPriceMicrosPerKwh)],
    ['Retail price of the same energy (credits/kWh)', credits(k.averageRetailPriceMicrosPerKwh)],
    ['Utility import', kwh(k.importedFromUtilityWh)],
    ['Utility export', kwh(k.exportedToUtilityWh)],
    ['Peak import (one interval)', `${kwh(k.peakImportWh)} (${(k.peakImportSimulatedW / 1000).toFixed(1)} kW simulated)`],
    ['Requests sent / failed / retried (client)', `${k.requests.sent} / ${k.requests.failed} / ${k.requests.retried}`],
    [
      'Time to trade: cleared after gate (median)',
      t.clearedAfterGateMedianSeconds === null ? 'n/a' : `${t.clearedAfterGateMedianSeconds} s`,
    ],
    [
      'Time to trade: settled after end (median, max)',
      t.settledAfterEndMedianSeconds === null ? 'n/a' : `${t.settledAfterEndMedianSeconds} s, ${t.maxSeconds} s`,
    ],
    [
      'Forecast error (WAPE of ordered vs settled net)',
      k.forecastError === null ? 'n/a' : `${pct(k.forecastError.wape)}, MAE ${k.forecastError.maeWh} Wh`,
    ],
    ['Fairness: Gini of savings', k.giniOfSavings.ppm === null ? 'n/a' : (k.giniOfSavings.ppm / 1e6).toFixed(3)],
    ['Total savings against tariffs (credits)', credits(k.totalSavingsMicros)],
    ...k.savingsByTariff.map((t): [string, string] => [
      `Savings of the ${t.homes} homes on tariff ${t.tariff} (credits)`,
      credits(t.savingsMicros),
    ]),
  ];
}

/** A tariff in words: import price (peak price and hours), feed-in, in credits per kWh. */
export function tariffText(t: HomeTariff): string {
  const peak = t.peak === undefined ? '' : `, ${credits(t.peak.retailMicrosPerKwh)} ${t.peak.fromHour}:00-${t.peak.toHour}:00 UTC`;
  return `import ${credits(t.retailMicrosPerKwh)}${peak}; feed-in ${credits(t.feedInMicrosPerKwh)}`;
}

export function htmlPage(r: RunReport, charts: { file: string; title: string }[]): string {
  const rows = kpiLines(r)
    .map(([label, value]) => `<tr><th scope="row">${escape(label)}</th><td>${escape(value)}</td></tr>`)
    .join('\n');
  const homes = r.homes
    .map(
      (h) =>
        `<tr><td>${escape(h.homeId)}</td><td>${escape(h.tariff)}</td><td>${h.netWh}</td>` +
        `<td>${credits(h.marketMicros)}</td><td>${credits(h.tariffMicros)}</td><td>${credits(h.savingsMicros)}</td></tr>`,
    )
    .join('\n');
  const tariffs = r.run.tariffs.map((t) => `<tr><th scope="row">${escape(t.name)}</th><td>${escape(tariffText(t))}</td></tr>`).join('\n');
  const imgs = charts.map(
    (c) => `<figure><img src="${escape(c.file)}" alt="${escape(c.title)}" width="640"><figcaption>${escape(c.title)}</figcaption></figure>`,
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Simulation ${escape(r.run.scenario)}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}table{border-collapse:collapse}th,td{padding:2px 8px;text-align:left}
th{font-weight:normal}td{font-variant-numeric:tabular-nums}</style></head>
<body>
<main>
<h1>Simulation ${escape(r.run.scenario)}</h1>
<p>${escape(r.run.description)}</p>
<p>${r.run.homes} homes in community ${escape(r.run.communityId)}; simulated ${escape(r.run.simulatedFrom)} to ${escape(r.run.simulatedTo)}
on ledger intervals ${escape(r.run.from)} to ${escape(r.run.to)} (${r.run.speed}× real time, ${r.run.wallSeconds} s wall time),
orders placed by ${r.run.orders === 'agents' ? "the homes' agents (the community's agent process)" : "the simulator's rule"}.
Wall time by phase (s): ${escape(
    Object.entries(r.run.phases)
      .map(([phase, seconds]) => `${phase} ${seconds}`)
      .join(', '),
  )}.
Every figure is read from the ledger except the request counts;
<code>npm run audit -- simulation &lt;this directory&gt;</code> recomputes them.</p>
<h2>Figures</h2>
<table>${rows}</table>
<h2>Charts</h2>
${imgs.join('\n')}
<h2>Homes</h2>
<p>Each home is on its own tariff (credits per kWh; the import price in force at an interval's simulated start applies):</p>
<table>${tariffs}</table>
<p>Net settled energy (export positive), what settlement paid, what the same energy pays at the home's own tariff, and the difference.
Files: <a href="report.json">report.json</a>, <a href="intervals.csv">intervals.csv</a>, <a href="homes.csv">homes.csv</a>.</p>
<table><thead><tr><th>home</th><th>tariff</th><th>net Wh</th><th>market</th><th>tariff</th><th>savings</th></tr></thead>
<tbody>${homes}</tbody></table>
</main>
</body>
</html>
`;
}

/** Writes everything into `dir`; returns the files written. */
export async function writeReport(dir: string, r: RunReport, simClock: (intervalStart: string) => string): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const charts = chartSpecs(r, simClock);
  const files: [string, string | Buffer][] = [
    ['report.json', `${JSON.stringify(r, null, 1)}\n`],
    ['intervals.csv', toCsv(r.intervals.map((i) => ({ ...i, simulatedAt: simClock(i.intervalStart) })))],
    ['homes.csv', toCsv(r.homes as unknown as Record<string, unknown>[])],
  ];
  const pngs = await renderPngs(charts.map((c) => c.spec));
  charts.forEach((c, i) => files.push([c.file, pngs[i]]));
  files.push(['index.html', htmlPage(r, charts)]);
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  return files.map(([name]) => join(dir, name));
}
