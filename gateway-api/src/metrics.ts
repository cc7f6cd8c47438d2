import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { FabricMetrics } from '@gridledger/fabric-client';

/**
 * The gateway's Prometheus metrics, served on GET /metrics. Labels are bounded and carry no
 * personal data: the route's pattern (never the raw path, which holds participant and meter ids),
 * the method, the status, and chaincode function names.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gridledger_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requestSeconds = new Histogram({
    name: 'gridledger_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly fabric = new FabricMetrics(this.registry);

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /** Express middleware: counts and times every request when its response ends. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const end = this.requestSeconds.startTimer();
      res.on('close', () => {
        const labels = { method: req.method, route: routeOf(req), status: String(res.statusCode) };
        this.requests.inc(labels);
        end(labels);
      });
      next();
    };
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * The route pattern of the request (`/api/v1/meters/:meterId`): the OpenAPI route the validator
 * matched (also for a request it refused before any handler ran), else the express route that took
 * it; `unmatched` for a path no route has.
 */
export function routeOf(req: Request): string {
  const openapi = (req as Request & { openapi?: { expressRoute?: unknown } }).openapi;
  if (typeof openapi?.expressRoute === 'string') return openapi.expressRoute;
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (route && typeof route.path === 'string') return `${req.baseUrl}${route.path}`;
  return 'unmatched';
}
