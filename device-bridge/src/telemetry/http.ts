/**
 * The telemetry service's reads on the bridge's loopback HTTP port, for the gateways (which check
 * who may see what: gateway-api/src/routes/telemetry.ts): the live view and a device's or zone's
 * series. Not an API of its own: it answers everything to whoever reaches 127.0.0.1.
 */
import { ErrorCodes, formatInstant, parseInstant } from '@gridledger/core';
import type { TelemetryService } from './service';
import type { TelemetryStore } from './store';

export const RESOLUTIONS = ['raw', 'minute'] as const;
/** The longest span one series read covers (a raw day of a device at one sample per second is 86,400 rows). */
const MAX_SPAN_SECONDS = 7 * 86_400;

type Answer = { status: number; body: unknown };

const invalid = (message: string, field: string): Answer => ({
  status: 400,
  body: { error: { code: ErrorCodes.REQUEST_INVALID, message, details: { field } } },
});

/** The span and resolution of a series request: `from`, `to` (instants; default the last hour), `resolution` (raw or minute). */
export function seriesQuery(
  query: URLSearchParams,
  nowSeconds: number,
): { from: number; to: number; resolution: 'raw' | 'minute' } | Answer {
  const instant = (name: string, fallback: number) => {
    const text = query.get(name);
    return text === null ? fallback : parseInstant(text);
  };
  const to = instant('to', nowSeconds + 1);
  if (to === undefined) return invalid('to must be a UTC instant', 'to');
  const from = instant('from', to - 3600);
  if (from === undefined) return invalid('from must be a UTC instant', 'from');
  if (from >= to || to - from > MAX_SPAN_SECONDS) return invalid(`from must be before to, at most ${MAX_SPAN_SECONDS} s before`, 'from');
  const resolution = query.get('resolution') ?? 'raw';
  if (resolution !== 'raw' && resolution !== 'minute') return invalid('resolution must be raw or minute', 'resolution');
  return { from, to, resolution };
}

export function telemetryRoutes(service: TelemetryService, store: TelemetryStore, now: () => number = () => Math.floor(Date.now() / 1000)) {
  return (path: string, query: URLSearchParams): Answer | undefined => {
    if (path === '/telemetry/live') return { status: 200, body: service.live() };
    const m = /^\/telemetry\/(devices|zones)\/([A-Za-z0-9._-]{1,64})$/.exec(path);
    if (m === null) return undefined;
    const q = seriesQuery(query, now());
    if ('status' in q) return q;
    const [, what, id] = m;
    const { from, to, resolution } = q;
    const rows: { at?: number; minute?: number }[] =
      what === 'devices'
        ? resolution === 'raw'
          ? store.deviceSamples(id, from, to)
          : store.deviceMinutes(id, from, to)
        : resolution === 'raw'
          ? store.zoneSamples(id, from, to)
          : store.zoneMinutes(id, from, to);
    // Instants as the API writes them everywhere (UTC ISO 8601).
    const series = rows.map((r) => ({
      ...r,
      ...(r.at !== undefined ? { at: formatInstant(r.at) } : {}),
      ...(r.minute !== undefined ? { minute: formatInstant(r.minute) } : {}),
    }));
    const span = { from: formatInstant(from), to: formatInstant(to) };
    return { status: 200, body: { [what === 'devices' ? 'deviceId' : 'zone']: id, resolution, ...span, series } };
  };
}
