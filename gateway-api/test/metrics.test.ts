import type { Registry } from 'prom-client';
import { GatewayMetrics } from '../src/metrics';
import { Harness, startHarness } from './support/fakes';

/** A sample's value (`_bucket`, `_count`, `_sum` of a histogram too) whose labels include `labels`, as the registry holds it. */
async function value(registry: Registry, sample: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(sample.replace(/_(bucket|count|sum)$/, ''))?.get();
  const matches = (v: { labels: object; metricName?: string }) =>
    (v.metricName ?? sample) === sample && Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x);
  return metric?.values.find(matches)?.value;
}

let h: Harness;
let metrics: GatewayMetrics;
beforeEach(async () => {
  metrics = new GatewayMetrics(false);
  h = await startHarness({ metrics });
});
afterEach(async () => {
  await h.close();
});

const scrape = async () => {
  const res = await h.fetch('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
};

describe('GET /metrics', () => {
  it('is served without an API key and counts requests by route pattern and status, never by raw path', async () => {
    h.ledger.evaluateHandler = () => ({ meterId: 'alice.main', participantId: 'alice' });
    expect((await h.fetch('/api/v1/meters/alice.main', { key: h.key.alice })).status).toBe(200);
    expect((await h.fetch('/api/v1/meters/alice.main', { key: h.key.alice })).status).toBe(200);
    expect((await h.fetch('/api/v1/meters/alice.main')).status).toBe(401); // refused by the validator before any handler
    expect((await h.fetch('/api/v1/nowhere/bob')).status).toBe(404);
    const text = await scrape();
    const route = '/api/v1/meters/:meterId';
    expect(await value(metrics.registry, 'gridledger_http_requests_total', { method: 'GET', route, status: '200' })).toBe(2);
    expect(await value(metrics.registry, 'gridledger_http_requests_total', { method: 'GET', route, status: '401' })).toBe(1);
    expect(await value(metrics.registry, 'gridledger_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
    expect(await value(metrics.registry, 'gridledger_http_request_duration_seconds_count', { method: 'GET', route, status: '200' })).toBe(
      2,
    );
    expect(await value(metrics.registry, 'gridledger_http_request_duration_seconds_bucket', { route, status: '200', le: '+Inf' })).toBe(2);
    expect(text).toContain(`gridledger_http_requests_total{method="GET",route="${route}",status="200"} 2`);
    expect(text).not.toMatch(/alice|bob/);
  });
});

describe('health: live and ready', () => {
  it('live answers 200 while the ledger is away; ready and /health answer 503 then', async () => {
    h.ledger.peer = { ok: false, reason: 'down' };
    expect(await (await h.fetch('/api/v1/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await h.fetch('/api/v1/health/ready');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', peer: { status: 'unavailable' } });
    expect((await h.fetch('/api/v1/health')).status).toBe(503);
  });

  it('ready answers 200 with the block height when the peer and the ledger answer', async () => {
    const ready = await h.fetch('/api/v1/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', blockHeight: 42 });
  });
});
