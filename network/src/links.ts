import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { linkAddress, NetPlan, orgPairs } from './netns';
import { OrgName } from './profile';
import { runningPid, startProcess, waitHealthy } from './proc';

/**
 * The links between the organizations of a network-namespace consortium (netns.ts): one Toxiproxy
 * proxy per direction and per node port (orderers, peer), listening on the host-side address
 * that the source organization's hosts file gives the target's name. Toxics on them add WAN
 * latency, limit bandwidth, or cut an organization off, through Toxiproxy's HTTP API.
 */

/** The pinned Toxiproxy server, built once per machine (scripts/build-toxiproxy.sh). */
export function toxiproxyBinary(): string {
  const script = join(__dirname, '..', 'scripts', 'build-toxiproxy.sh');
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').pop()!;
}

const API_PORT = 8474;
export const linksApiUrl = (plan: NetPlan) => `http://${plan.hostAddress}:${API_PORT}`;

/** One proxy: traffic from `from`'s nodes to `to`'s node on `port`. */
export interface Link {
  name: string;
  from: OrgName;
  to: OrgName;
  listen: string;
  upstream: string;
}

/** Every link of a plan, given each organization's node ports (orderers and peer) that others dial. */
export function linksOf(plan: NetPlan, ports: (org: OrgName) => Record<string, number>): Link[] {
  return orgPairs().flatMap(([from, to]) =>
    Object.entries(ports(to)).map(([node, port]) => ({
      name: `${from}-${to}-${node}`,
      from,
      to,
      listen: `${linkAddress(plan, from, to)}:${port}`,
      upstream: `${plan.orgs[to].address}:${port}`,
    })),
  );
}

/** Starts the Toxiproxy server of a plan (in the host's namespace, its API on the bridge) and creates the links. */
export async function startLinks(plan: NetPlan, stateDir: string, links: Link[]): Promise<void> {
  const pidFile = join(stateDir, 'pids', 'links.pid');
  const logFile = join(stateDir, 'logs', 'links.log');
  if (runningPid(pidFile) === undefined) {
    const command = toxiproxyBinary();
    const pid = await startProcess({
      name: 'links',
      command,
      args: ['-host', plan.hostAddress, '-port', String(API_PORT)],
      env: { PATH: process.env.PATH },
      pidFile,
      logFile,
    });
    await waitHealthy('links (Toxiproxy)', `${linksApiUrl(plan)}/version`, pid, logFile, 30_000);
  }
  const api = new LinksApi(linksApiUrl(plan));
  const existing = await api.proxies();
  for (const link of links) {
    if (link.name in existing) continue;
    await api.call('POST', '/proxies', { name: link.name, listen: link.listen, upstream: link.upstream, enabled: true });
  }
}

export interface Toxic {
  name: string;
  type: 'latency' | 'bandwidth' | 'timeout' | 'slow_close' | 'slicer' | 'limit_data' | 'reset_peer';
  stream: 'upstream' | 'downstream';
  toxicity?: number;
  attributes: Record<string, number>;
}

/** Toxiproxy's HTTP API on the links: toxics on every link, an organization cut off and restored. */
export class LinksApi {
  constructor(readonly url: string) {}

  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Toxiproxy ${method} ${path}: ${res.status} ${text}`);
    return text === '' ? undefined : JSON.parse(text);
  }

  async proxies(): Promise<Record<string, { name: string; enabled: boolean; toxics: Toxic[] }>> {
    return (await this.call('GET', '/proxies')) as Record<string, { name: string; enabled: boolean; toxics: Toxic[] }>;
  }

  /** Sets a toxic (replacing one of the same name) on every link. */
  async setToxic(toxic: Toxic): Promise<void> {
    for (const proxy of Object.values(await this.proxies())) {
      if (proxy.toxics.some((t) => t.name === toxic.name)) await this.call('DELETE', `/proxies/${proxy.name}/toxics/${toxic.name}`);
      await this.call('POST', `/proxies/${proxy.name}/toxics`, { toxicity: 1, ...toxic });
    }
  }

  /** WAN latency in both directions of every link: `ms` each way (plus up to `jitterMs`). */
  async latency(ms: number, jitterMs = 0): Promise<void> {
    for (const stream of ['upstream', 'downstream'] as const) {
      await this.setToxic({ name: `latency-${stream}`, type: 'latency', stream, attributes: { latency: ms, jitter: jitterMs } });
    }
  }

  /** A bandwidth limit in both directions of every link, in KB/s. */
  async bandwidth(kilobytesPerSecond: number): Promise<void> {
    for (const stream of ['upstream', 'downstream'] as const) {
      await this.setToxic({ name: `bandwidth-${stream}`, type: 'bandwidth', stream, attributes: { rate: kilobytesPerSecond } });
    }
  }

  /** Removes every toxic from every link and enables every link. */
  async reset(): Promise<void> {
    await this.call('POST', '/reset');
  }

  /** Cuts an organization off (every link from or to it disabled: its connections close, new ones are refused), or restores it. */
  async cut(org: OrgName, cut = true): Promise<string[]> {
    const names = Object.values(await this.proxies())
      .map((p) => p.name)
      .filter((name) => name.startsWith(`${org}-`) || name.includes(`-${org}-`));
    for (const name of names) await this.call('POST', `/proxies/${name}`, { enabled: !cut });
    return names;
  }
}
