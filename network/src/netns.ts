import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OrgName, ORGS } from './profile';

/**
 * The consortium across network boundaries (docs/consortium.md): each organization's Fabric nodes
 * (CA, orderers, peer, chaincode server) run in a Linux network namespace of their own, with an
 * address on a private subnet, joined by veth links to one bridge in the host's namespace. The
 * host keeps an address on the bridge (the gateways, the broker, the bridge, tests and tools reach
 * the nodes from there). Organizations name each other by host name (the channel's endpoints);
 * each namespace resolves those names through a hosts file of its own (`ip netns exec` mounts
 * /etc/netns/<ns>/hosts over /etc/hosts): its own name to its own address, the others' to their
 * address or, with links, to the host-side address of the link (a Toxiproxy listener, links.ts)
 * that leads there. Every name starts with `gl` and the plan's id, so that networks of other
 * offsets on the same machine never meet.
 */

export interface OrgNet {
  /** Network namespace, e.g. `glns26-utility`. */
  ns: string;
  /** The organization's address in the subnet. */
  address: string;
  /** The host name the channel and the TLS certificates use for the organization's nodes. */
  hostName: string;
  /** The veth end in the host's namespace (the other end is `eth0` in the namespace). */
  veth: string;
}

export interface NetPlan {
  id: number;
  /** The first three octets, e.g. `10.77.26`. */
  subnet: string;
  bridge: string;
  /** The host's own address on the bridge. */
  hostAddress: string;
  orgs: Record<OrgName, OrgNet>;
  /** Whether traffic between organizations goes through the link addresses (Toxiproxy). */
  links: boolean;
}

/** A plan per network offset (one /24 per thousand of the offset), so that two state directories never share names. */
export function netPlan(offset: number, links: boolean): NetPlan {
  const id = Math.floor(offset / 1000) % 250;
  const subnet = `10.77.${id}`;
  const orgs = {} as Record<OrgName, OrgNet>;
  ORGS.forEach((org, i) => {
    orgs[org] = {
      ns: `glns${id}-${org}`,
      address: `${subnet}.${i + 1}`,
      hostName: `${org}.gl${id}.test`,
      veth: `glv${id}${org.slice(0, 4)}`,
    };
  });
  return { id, subnet, bridge: `glbr${id}`, hostAddress: `${subnet}.254`, orgs, links };
}

/** The host-side address of the link from one organization to another (a listener of links.ts). */
export function linkAddress(plan: NetPlan, from: OrgName, to: OrgName): string {
  return `${plan.subnet}.${100 + 10 * ORGS.indexOf(from) + ORGS.indexOf(to)}`;
}

/** Every ordered pair of different organizations. */
export const orgPairs = (): [OrgName, OrgName][] =>
  ORGS.flatMap((a) => ORGS.filter((b) => b !== a).map((b) => [a, b] as [OrgName, OrgName]));

/** What an organization's namespace resolves each organization's host name to. */
export function hostsFile(plan: NetPlan, self: OrgName): string {
  const lines = ['127.0.0.1 localhost'];
  for (const org of ORGS) {
    const address = org === self || !plan.links ? plan.orgs[org].address : linkAddress(plan, self, org);
    lines.push(`${address} ${plan.orgs[org].hostName}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Where a state directory records its plan, so that `down` removes exactly what `up` made. */
export const planPath = (stateDir: string) => join(stateDir, 'netns.json');

export function loadPlan(stateDir: string): NetPlan | undefined {
  const file = planPath(stateDir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NetPlan) : undefined;
}

const IP = '/usr/sbin/ip';
const ip = (...args: string[]) => execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const hostsDir = (ns: string) => join('/etc/netns', ns);

function linkExists(name: string): boolean {
  try {
    ip('link', 'show', name);
    return true;
  } catch {
    return false;
  }
}

function ignoreMissing(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!/Cannot find device/.test(String((e as { stderr?: string }).stderr ?? e))) throw e;
  }
}

/** Creates (idempotently) the bridge, the namespaces, their veth links and hosts files; records the plan. Needs root. */
export function createNetwork(plan: NetPlan, stateDir: string): void {
  writeFileSync(planPath(stateDir), JSON.stringify(plan, null, 2));
  if (!linkExists(plan.bridge)) {
    ip('link', 'add', plan.bridge, 'type', 'bridge');
    ip('addr', 'add', `${plan.hostAddress}/24`, 'dev', plan.bridge);
  }
  const addresses = plan.links ? orgPairs().map(([a, b]) => linkAddress(plan, a, b)) : [];
  const present = ip('-o', 'addr', 'show', 'dev', plan.bridge);
  for (const a of addresses) if (!present.includes(` ${a}/`)) ip('addr', 'add', `${a}/24`, 'dev', plan.bridge);
  ip('link', 'set', plan.bridge, 'up');
  const namespaces = ip('netns', 'list');
  for (const org of ORGS) {
    const o = plan.orgs[org];
    mkdirSync(hostsDir(o.ns), { recursive: true });
    writeFileSync(join(hostsDir(o.ns), 'hosts'), hostsFile(plan, org));
    if (namespaces.split('\n').some((line) => line.split(' ')[0] === o.ns)) continue;
    ip('netns', 'add', o.ns);
    ip('link', 'add', o.veth, 'type', 'veth', 'peer', 'name', `${o.veth}n`);
    ip('link', 'set', `${o.veth}n`, 'netns', o.ns);
    ip('link', 'set', o.veth, 'master', plan.bridge, 'up');
    ip('-n', o.ns, 'link', 'set', 'lo', 'up');
    ip('-n', o.ns, 'link', 'set', `${o.veth}n`, 'name', 'eth0');
    ip('-n', o.ns, 'addr', 'add', `${o.address}/24`, 'dev', 'eth0');
    ip('-n', o.ns, 'link', 'set', 'eth0', 'up');
  }
}

/** Removes the namespaces (their veth links go with them), the bridge and the hosts files of a plan. */
export function removeNetwork(plan: NetPlan, stateDir?: string): string[] {
  const removed: string[] = [];
  const namespaces = ip('netns', 'list')
    .split('\n')
    .map((line) => line.split(' ')[0]);
  for (const org of ORGS) {
    const o = plan.orgs[org];
    // Deleting one end of a veth pair deletes both; the namespace's end also goes with the namespace, a moment later.
    if (linkExists(o.veth)) ignoreMissing(() => ip('link', 'del', o.veth));
    if (namespaces.includes(o.ns)) {
      ip('netns', 'del', o.ns);
      removed.push(o.ns);
    }
    rmSync(hostsDir(o.ns), { recursive: true, force: true });
  }
  if (linkExists(plan.bridge)) {
    ip('link', 'del', plan.bridge);
    removed.push(plan.bridge);
  }
  if (stateDir !== undefined) rmSync(planPath(stateDir), { force: true });
  return removed;
}

/** The command line that runs `command args` in an organization's namespace (or as is, without a plan). */
export function inNamespace(plan: NetPlan | undefined, org: OrgName, command: string, args: string[]): { command: string; args: string[] } {
  return plan ? { command: IP, args: ['netns', 'exec', plan.orgs[org].ns, command, ...args] } : { command, args };
}

/** How an organization's nodes listen, name themselves and are reached from the host, with or without a plan. */
export function orgHost(plan: NetPlan | undefined, org: OrgName) {
  if (!plan) return { listen: '127.0.0.1', name: 'localhost', reach: '127.0.0.1', dial: 'localhost', tlsHosts: ['localhost', '127.0.0.1'] };
  const o = plan.orgs[org];
  return {
    listen: '0.0.0.0',
    name: o.hostName,
    reach: o.address,
    dial: o.address,
    tlsHosts: [o.hostName, o.address, 'localhost', '127.0.0.1'],
  };
}
