import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { FabricMetrics } from '@gridledger/fabric-client';

/**
 * The bridge's Prometheus metrics. No label holds a meter id: readings are counted by outcome and
 * by error code only.
 */
export class BridgeMetrics {
  readonly registry = new Registry();
  readonly received = new Counter({
    name: 'gridledger_bridge_readings_received_total',
    help: 'Messages taken in on the readings topics',
    registers: [this.registry],
  });
  readonly committed = new Counter({
    name: 'gridledger_bridge_readings_committed_total',
    help: 'Readings the ledger accepted in a committed transaction',
    registers: [this.registry],
  });
  readonly duplicate = new Counter({
    name: 'gridledger_bridge_readings_duplicate_total',
    help: 'Readings the ledger had recorded already',
    registers: [this.registry],
  });
  readonly refused = new Counter({
    name: 'gridledger_bridge_readings_refused_total',
    help: 'Readings refused, by the bridge on intake or by the chaincode in a committed transaction, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly parked = new Counter({
    name: 'gridledger_bridge_readings_parked_total',
    help: 'Readings parked in the dead-letter file, by error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  /** Submission and commit latencies and MVCC retries, which the Fabric client edge records. */
  readonly fabric = new FabricMetrics(this.registry);
  /** What the gauges read at each scrape. */
  private state: () => { pending: number; connected: boolean } = () => ({ pending: 0, connected: false });

  constructor(defaults = true) {
    const state = () => this.state();
    new Gauge({
      name: 'gridledger_bridge_journal_pending',
      help: 'Readings journaled and not yet done (the journal depth)',
      registers: [this.registry],
      collect() {
        this.set(state().pending);
      },
    });
    new Gauge({
      name: 'gridledger_bridge_mqtt_connected',
      help: '1 while the bridge is connected to the broker',
      registers: [this.registry],
      collect() {
        this.set(state().connected ? 1 : 0);
      },
    });
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  watch(state: () => { pending: number; connected: boolean }): void {
    this.state = state;
  }
}

export interface HealthServerOptions {
  metrics: BridgeMetrics;
  /** Ready: connected to the broker and the ledger reachable; `reason` says why not. */
  ready(): Promise<{ ok: boolean; reason?: string }>;
  host?: string;
  port: number;
  /** More GET endpoints (the telemetry service's, telemetry/http.ts): an answer, or undefined for a path it does not serve. */
  routes?: (path: string, query: URLSearchParams) => { status: number; body: unknown } | undefined;
}

/** GET /metrics, /health/live, /health/ready and the `routes` on host:port (127.0.0.1 by default). */
export async function startHealthServer(o: HealthServerOptions): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const send = (status: number, type: string, body: string) =>
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' }).end(body);
    const json = (status: number, body: object) => send(status, 'application/json', JSON.stringify(body));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (req.method !== 'GET') return json(405, { error: 'GET only' });
    const routed = o.routes?.(path, url.searchParams);
    if (path === '/metrics') {
      o.metrics.registry.metrics().then(
        (text) => send(200, o.metrics.registry.contentType, text),
        (e: Error) => json(500, { error: e.message }),
      );
    } else if (path === '/health/live') {
      json(200, { status: 'ok' });
    } else if (path === '/health/ready') {
      o.ready().then(
        (r) => json(r.ok ? 200 : 503, r.ok ? { status: 'ok' } : { status: 'unavailable', reason: r.reason }),
        (e: Error) => json(503, { status: 'unavailable', reason: e.message }),
      );
    } else if (routed !== undefined) {
      json(routed.status, routed.body as object);
    } else {
      json(404, { error: `no endpoint ${path}` });
    }
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, host, resolve);
  });
  const url = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
