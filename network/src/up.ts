import { randomBytes } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fabricBinDir } from './binaries';
import { certificateAttributes, FabricCa, nodeOuConfig } from './ca';
import { buildPackage, chaincodeTlsHomes, commitDefinition, installAndApprove, startChaincodeServer } from './chaincode';
import {
  adminHome,
  caHome,
  caRoot,
  createGenesisBlock,
  genesisBlock,
  joinOrderer,
  joinPeer,
  Layout,
  logFile,
  ordererEnv,
  ordererHome,
  ordererNodes,
  peerEnv,
  peerHome,
  pidFile,
  retry,
  userHome,
  writeNodeConfig,
  writeOrgMsp,
} from './fabric';
import { ledgerClient } from './ledger';
import { linksOf, startLinks } from './links';
import { createNetwork, loadPlan, netPlan, orgHost, removeNetwork } from './netns';
import { assertPortsFree, runningPid, startProcess, stopProcess, waitHealthy, waitListening } from './proc';
import { mqttCaCertPath } from './broker';
import {
  bridgePort,
  CHAINCODE,
  CHANNEL,
  MSP_IDS,
  mqttPort,
  NetworkProfile,
  OrgName,
  ORGS,
  orgPorts,
  profilePath,
  WalletUser,
} from './profile';

export const FABRIC_VERSION = '3.1.1';
export const COMMUNITY_ID = 'community-1';
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** The service and demo identities each organization's CA issues (gl.id is the enrollment id). */
export const DEMO_USERS: Record<OrgName, { id: string; role: string }[]> = {
  utility: [{ id: 'utility', role: 'utility' }],
  community: [
    { id: 'community-operator', role: 'operator' },
    { id: 'bridge', role: 'meter-bridge' },
  ],
  regulator: [{ id: 'regulator', role: 'regulator' }],
};

export interface UpOptions {
  stateDir: string;
  /** Added to every port, so that a test network runs beside a development one. */
  offset?: number;
  consensus?: 'raft' | 'bft';
  /**
   * Each organization's Fabric nodes in a network namespace of their own (netns.ts, docs/consortium.md);
   * `links` adds the Toxiproxy links between them. A state directory made so keeps it (netns.json).
   */
  netns?: 'direct' | 'links';
  log?: (message: string) => void;
}

interface Secrets {
  caAdmin: Record<string, string>;
  users: Record<string, string>;
}

function loadSecrets(stateDir: string): Secrets {
  const file = join(stateDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets;
  return { caAdmin: {}, users: {} };
}

function saveSecrets(stateDir: string, secrets: Secrets): void {
  writeFileSync(join(stateDir, 'secrets.json'), JSON.stringify(secrets, null, 2), { mode: 0o600 });
}

const newSecret = () => randomBytes(18).toString('base64url');

export function layoutOf(o: UpOptions): Layout {
  const offset = o.offset ?? 0;
  const net = o.netns ? netPlan(offset, o.netns === 'links') : loadPlan(resolve(o.stateDir));
  return { stateDir: resolve(o.stateDir), binDir: fabricBinDir(), offset, consensus: o.consensus ?? 'raft', ...(net ? { net } : {}) };
}

/**
 * Brings the Fabric network up: CAs, identities, orderers, peers, the channel and the chaincode,
 * then checks that every organization can commit a transaction. Idempotent: what runs already is
 * left alone, what exists already is reused. Returns the profile it writes to network.json.
 */
export async function upNetwork(o: UpOptions): Promise<NetworkProfile> {
  const log = o.log ?? ((m: string) => process.stdout.write(`${m}\n`));
  const t0 = Date.now();
  const step = (m: string) => log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${m}`);
  mkdirSync(o.stateDir, { recursive: true, mode: 0o700 });
  step('Fabric binaries (build once per machine, cached)');
  const l = layoutOf(o);
  const secrets = loadSecrets(l.stateDir);
  if (l.net) {
    step(`network namespaces ${ORGS.map((org) => l.net!.orgs[org].ns).join(', ')} on bridge ${l.net.bridge} (${l.net.subnet}.0/24)`);
    createNetwork(l.net, l.stateDir);
    if (l.net.links)
      await startLinks(
        l.net,
        l.stateDir,
        linksOf(l.net, (org) => dialedPorts(l, org)),
      );
  }

  step('certificate authorities');
  const cas = {} as Record<OrgName, FabricCa>;
  await Promise.all(
    ORGS.map(async (org) => {
      const p = orgPorts(org, l.offset);
      secrets.caAdmin[org] ??= newSecret();
      saveSecrets(l.stateDir, secrets);
      const ca = new FabricCa({
        name: `ca-${org}`,
        home: caHome(l, org),
        port: p.ca,
        operationsPort: p.caOperations,
        admin: { id: 'registrar', secret: secrets.caAdmin[org] },
        binDir: l.binDir,
        ...(l.net ? { netns: { ns: l.net.orgs[org].ns, reach: orgHost(l.net, org).reach, tlsHosts: orgHost(l.net, org).tlsHosts } } : {}),
      });
      await ca.start();
      if (!existsSync(join(ca.client.config.registrarHome, 'msp', 'signcerts', 'cert.pem'))) await ca.enrollAdmin();
      cas[org] = ca;
      step(`  ca-${org} on ${orgHost(l.net, org).reach}:${p.ca}`);
    }),
  );

  step('identities: organization admins, peers, orderers, chaincode servers, users');
  const ensure = async (
    org: OrgName,
    id: string,
    type: 'client' | 'peer' | 'orderer' | 'admin',
    role: string | undefined,
    home: string,
    tlsHosts?: string[],
  ) => {
    const key = `${org}/${id}`;
    const done = existsSync(join(home, tlsHosts ? 'tls' : 'msp', 'signcerts', 'cert.pem'));
    if (done) return;
    // An enrollment secret lives only until its identity's homes are enrolled (forgotten below); an
    // identity registered by an earlier run whose secret is gone gets a new one from the registrar.
    if (secrets.users[key] === undefined) {
      secrets.users[key] = newSecret();
      saveSecrets(l.stateDir, secrets);
      try {
        await cas[org].register({ id, secret: secrets.users[key], type, role: role as never });
      } catch (e) {
        if (!(e instanceof GridLedgerError && e.code === ErrorCodes.PARTICIPANT_EXISTS)) throw e;
        await cas[org].client.resetSecret(id, secrets.users[key]);
      }
    }
    await cas[org].enroll(id, secrets.users[key], home, tlsHosts ? { tlsHosts } : {});
  };
  for (const org of ORGS) {
    const hosts = orgHost(l.net, org).tlsHosts;
    writeOrgMsp(l, org, nodeOuConfig());
    await ensure(org, `${org}-admin`, 'admin', undefined, adminHome(l, org));
    await ensure(org, `peer0.${org}`, 'peer', undefined, peerHome(l, org));
    await ensure(org, `peer0.${org}`, 'peer', undefined, peerHome(l, org), hosts);
    await ensure(org, `peer0.${org}`, 'peer', undefined, chaincodeTlsHomes.client(l, org), hosts);
    await ensure(org, `peer0.${org}`, 'peer', undefined, chaincodeTlsHomes.server(l, org), hosts);
    for (const node of ordererNodes(l).filter((n) => n.org === org)) {
      await ensure(org, node.name, 'orderer', undefined, ordererHome(l, node));
      await ensure(org, node.name, 'orderer', undefined, ordererHome(l, node), hosts);
    }
    for (const user of DEMO_USERS[org]) await ensure(org, user.id, 'client', user.role, userHome(l, org, user.id));
  }
  // Every home is enrolled: the users' enrollment secrets are of no more use (the registrar's
  // bootstrap secret stays: docs/security.md, *Secrets at rest*).
  secrets.users = {};
  saveSecrets(l.stateDir, secrets);

  const builderDir = join(REPO_ROOT, 'network', 'builder');
  writeNodeConfig(l, builderDir);
  if (!existsSync(genesisBlock(l))) {
    step(`channel ${CHANNEL}: genesis block (${l.consensus}, capability V3_0)`);
    await createGenesisBlock(l);
  }

  step('orderers');
  await Promise.all(
    ordererNodes(l).map(async (n) => {
      await startNode(
        l,
        n.org,
        n.name,
        'orderer',
        [],
        ordererEnv(l, n),
        { listener: n.port, admin: n.adminPort, operations: n.operationsPort },
        n.operationsPort,
      );
      await retry(`${n.name} joins ${CHANNEL}`, 20, 500, () => joinOrderer(l, n));
      step(`  ${n.name} on ${orgHost(l.net, n.org).reach}:${n.port}, joined ${CHANNEL}`);
    }),
  );

  step('peers');
  await Promise.all(
    ORGS.map(async (org) => {
      const p = orgPorts(org, l.offset);
      await startNode(
        l,
        org,
        `peer.${org}`,
        'peer',
        ['node', 'start'],
        peerEnv(l, org),
        { listener: p.peer, chaincode: p.peerChaincode, operations: p.peerOperations },
        p.peerOperations,
      );
      await joinPeer(l, org);
      step(`  peer0.${org} on ${orgHost(l.net, org).reach}:${p.peer}, joined ${CHANNEL}`);
    }),
  );

  step(`chaincode ${CHAINCODE} as a service: package, install, approve, servers`);
  for (const org of ORGS) {
    const pkg = buildPackage(l, org);
    await startChaincodeServer(l, org, pkg.packageId, REPO_ROOT);
    await installAndApprove(l, org, pkg);
    step(`  ${MSP_IDS[org]}: ${pkg.packageId.slice(0, 40)}…`);
  }
  await commitDefinition(l);
  step(`  committed ${CHAINCODE} ${'1.0'} (endorsement: peers of two of the three organizations)`);

  const profile = writeProfile(l);
  step('probe: each organization commits a transaction endorsed across organizations');
  await Promise.all(
    ORGS.map(async (org) => {
      const user = Object.values(profile.orgs[org].users).find((u) => u.role !== undefined)!;
      const client = ledgerClient(profile, org, user);
      try {
        // Right after the join, gossip may not know the other organizations' peers yet.
        await retry(`probe ${org}`, 90, 1000, () => client.submit('system:noop'));
      } finally {
        client.close();
      }
    }),
  );
  step('network ready');
  return profile;
}

async function startNode(
  l: Layout,
  org: OrgName,
  name: string,
  binary: string,
  args: string[],
  env: Record<string, string>,
  ports: Record<string, number>,
  operationsPort: number,
): Promise<void> {
  const pid = runningPid(pidFile(l, name));
  if (pid !== undefined) return;
  // Ports in a namespace of our own are free by construction.
  if (!l.net) await assertPortsFree(Object.fromEntries(Object.entries(ports).map(([k, v]) => [`${name} ${k}`, v])));
  const host = orgHost(l.net, org).reach;
  const started = await startProcess({
    name,
    command: join(l.binDir, binary),
    args,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    pidFile: pidFile(l, name),
    logFile: logFile(l, name),
    netns: l.net?.orgs[org].ns,
  });
  await waitHealthy(name, `http://${host}:${operationsPort}/healthz`, started, logFile(l, name));
  // The operations endpoint answers before a peer that recovers its ledger opens its gRPC listener.
  await waitListening(name, ports.listener, started, logFile(l, name), 60_000, l.net ? host : undefined);
}

/** The ports of an organization's nodes that other organizations dial: its orderers' and its peer's. */
function dialedPorts(l: Layout, org: OrgName): Record<string, number> {
  const orderers = ordererNodes(l).filter((n) => n.org === org);
  return { ...Object.fromEntries(orderers.map((n) => [n.name.split('.')[0], n.port])), peer: orgPorts(org, l.offset).peer };
}

export function writeProfile(l: Layout): NetworkProfile {
  const orgs = {} as NetworkProfile['orgs'];
  for (const org of ORGS) {
    const p = orgPorts(org, l.offset);
    const host = orgHost(l.net, org);
    const users: Record<string, WalletUser> = {};
    const walletUser = (id: string, home: string, role?: string): WalletUser => {
      const msp = join(home, 'msp');
      const [key] = readdirSync(join(msp, 'keystore'));
      return {
        id,
        mspId: MSP_IDS[org],
        ...(role ? { role, participantId: id } : {}),
        certPath: join(msp, 'signcerts', 'cert.pem'),
        keyPath: join(msp, 'keystore', key),
      };
    };
    users[`${org}-admin`] = walletUser(`${org}-admin`, adminHome(l, org));
    const usersDir = join(l.stateDir, 'orgs', org, 'users');
    for (const id of existsSync(usersDir) ? readdirSync(usersDir).sort() : []) {
      const certPath = join(usersDir, id, 'msp', 'signcerts', 'cert.pem');
      if (!existsSync(certPath)) continue;
      const role = DEMO_USERS[org].find((u) => u.id === id)?.role ?? roleFromCert(certPath);
      users[id] = walletUser(id, join(usersDir, id), role);
    }
    orgs[org] = {
      name: org,
      mspId: MSP_IDS[org],
      peer: {
        endpoint: `${host.dial}:${p.peer}`,
        hostAlias: host.name,
        tlsRootCertPath: caRoot(l, org),
        operationsUrl: `http://${host.reach}:${p.peerOperations}`,
      },
      ca: {
        url: `https://${host.reach}:${p.ca}`,
        name: `ca-${org}`,
        rootCertPath: caRoot(l, org),
        registrarHome: join(caHome(l, org), 'clients', 'registrar'),
      },
      gateway: { port: p.gateway, url: `http://127.0.0.1:${p.gateway}` },
      users,
    };
  }
  const profile: NetworkProfile = {
    fabricVersion: FABRIC_VERSION,
    channel: CHANNEL,
    chaincode: CHAINCODE,
    stateDir: l.stateDir,
    binDir: l.binDir,
    consensus: l.consensus,
    orgs,
    orderers: ordererNodes(l).map((n) => ({
      name: n.name,
      org: n.org,
      endpoint: `${orgHost(l.net, n.org).dial}:${n.port}`,
      adminEndpoint: `${orgHost(l.net, n.org).dial}:${n.adminPort}`,
      operationsUrl: `http://${orgHost(l.net, n.org).reach}:${n.operationsPort}`,
    })),
    mqtt: { url: `mqtts://127.0.0.1:${mqttPort(l.offset)}`, caCertPath: mqttCaCertPath(l.stateDir), communityId: COMMUNITY_ID },
    bridge: { port: bridgePort(l.offset), url: `http://127.0.0.1:${bridgePort(l.offset)}` },
  };
  writeFileSync(profilePath(l.stateDir), JSON.stringify(profile, null, 2));
  return profile;
}

function roleFromCert(certPath: string): string | undefined {
  return certificateAttributes(readFileSync(certPath, 'utf8'))['gl.role'];
}

/** Every pid file `up` wrote under the state directory, apps first, CAs last. */
function pidFiles(stateDir: string): string[] {
  const dir = join(stateDir, 'pids');
  const order = ['simulator', 'bridge', 'gateway', 'broker', 'peer', 'chaincode', 'orderer'];
  const rank = (f: string) => {
    const i = order.findIndex((p) => f.startsWith(p));
    return i < 0 ? order.length : i;
  };
  const files = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.pid'))
        .sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1))
    : [];
  const cas = ORGS.map((org) => join(stateDir, 'ca', org, 'fabric-ca-server.pid')).filter((f) => existsSync(f));
  return [...files.map((f) => join(dir, f)), ...cas];
}

/** Stops exactly the processes `up` started (by their pid files); with purge, deletes all state. */
export async function down(stateDir: string, options: { purge?: boolean; log?: (m: string) => void } = {}): Promise<string[]> {
  const log = options.log ?? ((m: string) => process.stdout.write(`${m}\n`));
  const stopped: string[] = [];
  for (const file of pidFiles(stateDir)) {
    const name = file
      .split('/')
      .pop()!
      .replace(/\.pid$/, '');
    if (await stopProcess(file)) {
      stopped.push(name);
      log(`stopped ${name}`);
    }
  }
  const plan = loadPlan(stateDir);
  if (plan) {
    for (const removed of removeNetwork(plan)) log(`removed ${removed}`);
  }
  if (options.purge) {
    rmSync(stateDir, { recursive: true, force: true });
    log(`deleted ${stateDir}`);
  }
  return stopped;
}
