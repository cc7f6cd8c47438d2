/** Reads vega-lite specifications (a JSON list) on stdin, writes their PNGs (a JSON list of base64) on stdout: charts.ts renderPngs. */
import { renderPng } from './charts';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const specs = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>[];
  const pngs: string[] = [];
  for (const spec of specs) pngs.push((await renderPng(spec)).toString('base64'));
  process.stdout.write(JSON.stringify(pngs));
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
