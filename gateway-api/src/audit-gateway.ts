/**
 * How the audit command reaches a gateway: its URL and an API key from the options, the tools'
 * configuration, or the network's state directory (the named organization's first key).
 */
import { readFileSync } from 'node:fs';
import { loadProfile, PROCESS_VARIABLES, readConfig, type OrgName } from '@gridledger/network';

export const GATEWAY_OPTIONS = {
  org: { type: 'string' },
  state: { type: 'string' },
  key: { type: 'string' },
  url: { type: 'string' },
} as const;

/** GET under the gateway: the JSON answer, or an error naming the status and body. */
export async function get(url: string, key: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const body = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw Object.assign(new Error(`${url}: ${res.status} ${JSON.stringify(body)}`), { body });
  return body;
}

export function gatewayOf(values: { org?: string; state?: string; key?: string; url?: string }): { base: string; key: string } {
  let base = values.url;
  const config = readConfig(PROCESS_VARIABLES.tools);
  let key = values.key ?? config.GRIDLEDGER_API_KEY;
  if (base === undefined || key === undefined) {
    const state = values.state ?? config.GRIDLEDGER_STATE ?? '.gridledger';
    const org = (values.org ?? 'regulator') as OrgName;
    base ??= loadProfile(state).orgs[org].gateway.url;
    key ??= Object.values(
      (JSON.parse(readFileSync(`${state}/credentials.json`, 'utf8')) as { apiKeys: Record<string, Record<string, string>> }).apiKeys[org],
    )[0];
  }
  return { base, key };
}

/** Writes the report and waits until it reached the pipe (a large report must not be cut by the exit). */
export const print = (report: unknown): Promise<void> =>
  new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify(report, null, 2)}\n`, () => resolve()));
