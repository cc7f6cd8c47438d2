/**
 * Where the OpenADR 3 VTN may send webhooks (docs/openadr.md, "Subscriptions"): a subscription's
 * callbackUrl must name a host of the operator's list (GRIDLEDGER_OPENADR_CALLBACK_HOSTS), so that a
 * VEN's token cannot make the gateway POST into the operator's own network (server-side request
 * forgery). An entry is a host name or address (`ven.example.org`, `10.0.0.7`, `[::1]`), optionally
 * with a port (`ven.example.org:8443`: only that port), or `*.example.org` (any host under that
 * domain, not the domain itself), or `*` (any host: for a closed test network only).
 */

/** The default: the gateway's own machine (the one-host platform the tests and the demo run). */
export const DEFAULT_CALLBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const;

/** The entries of a comma-separated list, trimmed and lower-cased; empty entries dropped. */
export function parseCallbackHosts(list: string): string[] {
  return list
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
}

/** Whether `url` (already an http(s) URL) names a host the list allows. */
export function callbackAllowed(url: URL, hosts: readonly string[]): boolean {
  const host = url.hostname.toLowerCase();
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  return hosts.some((entry) => {
    if (entry === '*') return true;
    if (entry.startsWith('*.')) return host.endsWith(entry.slice(1)) && host.length > entry.length - 1;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    return m !== null && m[1] === host && (m[2] === undefined || m[2] === port);
  });
}
