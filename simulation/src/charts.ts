/**
 * The report's charts: vega-lite specifications (pure, `chartSpecs`) rendered without a browser,
 * vega-lite → vega → SVG (vega's headless renderer) → PNG (resvg, with the system's fonts:
 * fonts-dejavu-core on a fresh machine). vega and vega-lite are ES modules with top-level await,
 * so they are imported, not required, in a process of their own.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Report } from './kpi';

export interface Chart {
  file: string;
  title: string;
  spec: Record<string, unknown>;
}

const base = { width: 640, height: 260, background: 'white', config: { font: 'DejaVu Sans' } };

/** The charts of a report; `simClock` names each ledger interval by its simulated time. */
export function chartSpecs(r: Report, simClock: (intervalStart: string) => string): Chart[] {
  const rows = r.intervals.map((i) => ({ ...i, at: simClock(i.intervalStart) }));
  const long = rows.flatMap((i) => [
    { at: i.at, what: 'production', wh: i.productionWh },
    { at: i.at, what: 'consumption', wh: i.consumptionWh },
    { at: i.at, what: 'P2P traded', wh: i.p2pVolumeWh },
    { at: i.at, what: 'utility import', wh: i.importedFromUtilityWh },
    { at: i.at, what: 'utility export', wh: i.exportedToUtilityWh },
  ]);
  const x = { field: 'at', type: 'ordinal', title: 'simulated time (UTC)' };
  return [
    {
      file: 'energy.png',
      title: 'Energy per interval',
      spec: {
        ...base,
        title: 'Energy per interval (Wh)',
        data: { values: long },
        mark: { type: 'line', point: true },
        encoding: { x, y: { field: 'wh', type: 'quantitative', title: 'Wh' }, color: { field: 'what', type: 'nominal', title: null } },
      },
    },
    {
      file: 'prices.png',
      title: 'Clearing price per interval',
      spec: {
        ...base,
        title: 'Clearing price (credits/kWh)',
        data: {
          values: rows
            .filter((i) => i.clearingPriceMicrosPerKwh !== null)
            .map((i) => ({ at: i.at, price: i.clearingPriceMicrosPerKwh! / 1e6 })),
        },
        mark: { type: 'bar' },
        encoding: { x, y: { field: 'price', type: 'quantitative', title: 'credits/kWh' } },
      },
    },
    {
      file: 'savings.png',
      title: "Each home's savings against its tariff",
      spec: {
        ...base,
        title: "Each home's savings against its own tariff (credits)",
        data: { values: r.homes.map((h) => ({ home: h.homeId, savings: h.savingsMicros / 1e6 })) },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'home', type: 'ordinal', sort: '-y', axis: { labels: r.homes.length <= 30 }, title: 'home' },
          y: { field: 'savings', type: 'quantitative', title: 'credits' },
        },
      },
    },
  ];
}

/** A vega-lite specification as PNG bytes (in this process: vega's ES modules need a real dynamic import). */
export async function renderPng(spec: Record<string, unknown>): Promise<Buffer> {
  const vega = await import('vega');
  const vegaLite = await import('vega-lite');
  const { Resvg } = await import('@resvg/resvg-js');
  const compiled = vegaLite.compile(spec as never).spec;
  const svg = await new vega.View(vega.parse(compiled), { renderer: 'none' }).toSVG();
  return Buffer.from(new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng());
}

/**
 * The specifications as PNG, rendered by a child process of this build (render-charts.js): so a
 * caller inside a sandbox without ES module imports (jest) gets its charts too.
 */
export async function renderPngs(specs: readonly Record<string, unknown>[]): Promise<Buffer[]> {
  const script = join(__dirname, '..', 'dist', 'render-charts.js');
  const out = await new Promise<string>((resolve, reject) => {
    const child = execFile(process.execPath, [script], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`rendering the charts: ${error.message} ${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(JSON.stringify(specs));
  });
  return (JSON.parse(out) as string[]).map((b64) => Buffer.from(b64, 'base64'));
}
