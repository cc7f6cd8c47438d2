/**
 * Fabric nodes of one platform: crypto material, configuration files and the orderer, peer and
 * channel set-up as native processes. Just over 400 lines: one concern (node set-up), in the order
 * `up` runs it.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readConfig } from './config';
import { CHANNEL, MSP_IDS, OrgName, ORGS, orgPorts } from './profile';
import { orgHost, inNamespace, type NetPlan } from './netns';
import { sleep } from './proc';

const run = promisify(execFile);

/**
 * The Fabric side of the network: where each node's files live, the channel configuration, the
 * environment of peers, orderers and the peer CLI. Everything is on 127.0.0.1 with TLS; the
 * certificates come from each organization's own CA (see up.ts).
 */

export interface Layout {
  stateDir: string;
  binDir: string;
  offset: number;
  consensus: 'raft' | 'bft';
  /** Each organization in a network namespace of its own (netns.ts); absent: all on 127.0.0.1. */
  net?: NetPlan;
}

/** An orderer node: one per organization (Raft, 3 nodes); BFT adds a second one at the utility (4 nodes). */
export interface OrdererNode {
  name: string;
  org: OrgName;
  port: number;
  adminPort: number;
  operationsPort: number;
  /** 1-based consenter id (BFT). */
  id: number;
}

export function ordererNodes(layout: Layout): OrdererNode[] {
  const nodes: OrdererNode[] = ORGS.map((org, i) => {
    const p = orgPorts(org, layout.offset);
    return { name: `orderer.${org}`, org, port: p.orderer, adminPort: p.ordererAdmin, operationsPort: p.ordererOperations, id: i + 1 };
  });
  if (layout.consensus === 'bft') {
    const p = orgPorts('utility', layout.offset);
    nodes.push({
      name: 'orderer2.utility',
      org: 'utility',
      port: p.bftOrderer,
      adminPort: p.bftOrdererAdmin,
      operationsPort: p.bftOrdererOperations,
      id: 4,
    });
  }
  return nodes;
}

/**
 * A BFT block must carry signatures of a quorum of consenters: with n = 3f + 1 nodes, any 2f + 1 of
 * the orderer identities. Fabric v3.1.1's configtxgen does not know the `ImplicitOrderer` policy type
 * that later samples use (it fails with "unknown policy type: ImplicitOrderer"), so the quorum is
 * spelled as a signature policy: one principal per node, two for the organization that runs two.
 */
export function bftBlockValidation(nodes: readonly OrdererNode[]): { Type: string; Rule: string } {
  const f = Math.floor((nodes.length - 1) / 3);
  const principals = nodes.map((n) => `'${MSP_IDS[n.org]}.orderer'`).join(', ');
  return { Type: 'Signature', Rule: `OutOf(${2 * f + 1}, ${principals})` };
}

export const orgDir = (l: Layout, org: OrgName) => join(l.stateDir, 'orgs', org);
/** The organization's MSP as the channel knows it: CA root, TLS CA root, NodeOUs. */
export const orgMspDir = (l: Layout, org: OrgName) => join(orgDir(l, org), 'msp');
export const adminHome = (l: Layout, org: OrgName) => join(orgDir(l, org), 'admin');
export const peerHome = (l: Layout, org: OrgName) => join(orgDir(l, org), 'peer');
export const ordererHome = (l: Layout, node: OrdererNode) => join(orgDir(l, node.org), node.name);
export const chaincodeHome = (l: Layout, org: OrgName) => join(orgDir(l, org), 'chaincode');
export const userHome = (l: Layout, org: OrgName, id: string) => join(orgDir(l, org), 'users', id);
export const caHome = (l: Layout, org: OrgName) => join(l.stateDir, 'ca', org);
export const caRoot = (l: Layout, org: OrgName) => join(caHome(l, org), 'ca-cert.pem');
export const nodeDataDir = (l: Layout, name: string) => join(l.stateDir, 'data', name);
export const logFile = (l: Layout, name: string) => join(l.stateDir, 'logs', `${name}.log`);
export const pidFile = (l: Layout, name: string) => join(l.stateDir, 'pids', `${name}.pid`);
export const configDir = (l: Layout) => join(l.stateDir, 'config');
export const genesisBlock = (l: Layout) => join(l.stateDir, 'channel', `${CHANNEL}.block`);

/** Writes the organization's channel MSP folder from its CA root. */
export function writeOrgMsp(l: Layout, org: OrgName, nodeOuConfig: string): void {
  const msp = orgMspDir(l, org);
  for (const dir of ['cacerts', 'tlscacerts']) {
    mkdirSync(join(msp, dir), { recursive: true });
    copyFileSync(caRoot(l, org), join(msp, dir, 'ca.pem'));
  }
  writeFileSync(join(msp, 'config.yaml'), nodeOuConfig);
}

/**
 * Fabric's sample core.yaml and orderer.yaml, copied beside the binaries by build-fabric.sh; the
 * peer's copy names our chaincode-as-a-service builder instead of the sample's path.
 */
export function writeNodeConfig(l: Layout, builderDir: string): void {
  mkdirSync(configDir(l), { recursive: true });
  const core = readFileSync(join(l.binDir, 'core.yaml'), 'utf8').replace(
    /externalBuilders:\n(?:\s+- name: ccaas_builder\n\s+path: [^\n]+\n\s+propagateEnvironment:\n\s+- [^\n]+\n)/,
    `externalBuilders:\n    - name: gridledger-ccaas\n      path: ${builderDir}\n`,
  );
  if (!core.includes(builderDir)) throw new Error('core.yaml: externalBuilders section not found; Fabric sample config changed?');
  writeFileSync(join(configDir(l), 'core.yaml'), core);
  copyFileSync(join(l.binDir, 'orderer.yaml'), join(configDir(l), 'orderer.yaml'));
}

const tlsCert = (home: string) => join(home, 'tls', 'signcerts', 'cert.pem');
const tlsKeyDir = (home: string) => join(home, 'tls', 'keystore');

function keyFile(dir: string): string {
  const [file] = readdirSync(dir);
  if (!file) throw new Error(`no key in ${dir}`);
  return join(dir, file);
}

export const tlsPaths = (home: string) => ({ cert: tlsCert(home), key: keyFile(tlsKeyDir(home)) });

const allRoots = (l: Layout) => `[${ORGS.map((o) => caRoot(l, o)).join(',')}]`;

/** configtx.yaml for the `energy` channel (JSON is YAML): three organizations, each an orderer and an application org. */
export function writeConfigtx(l: Layout, batchTimeout = readConfig(['GRIDLEDGER_BATCH_TIMEOUT']).GRIDLEDGER_BATCH_TIMEOUT): string {
  const dir = join(l.stateDir, 'channel');
  mkdirSync(dir, { recursive: true });
  const orgs = ORGS.map((org) => {
    const msp = MSP_IDS[org];
    const p = orgPorts(org, l.offset);
    const rule = (...roles: string[]) => `OR(${roles.map((r) => `'${msp}.${r}'`).join(',')})`;
    return {
      Name: msp,
      ID: msp,
      MSPDir: orgMspDir(l, org),
      Policies: {
        Readers: { Type: 'Signature', Rule: rule('admin', 'peer', 'client', 'orderer') },
        Writers: { Type: 'Signature', Rule: rule('admin', 'client', 'orderer') },
        Admins: { Type: 'Signature', Rule: rule('admin') },
        Endorsement: { Type: 'Signature', Rule: rule('peer') },
      },
      OrdererEndpoints: ordererNodes(l)
        .filter((n) => n.org === org)
        .map((n) => `${orgHost(l.net, n.org).name}:${n.port}`),
      AnchorPeers: [{ Host: orgHost(l.net, org).name, Port: p.peer }],
    };
  });
  const implicit = (rule: string) => ({ Type: 'ImplicitMeta', Rule: rule });
  const nodes = ordererNodes(l);
  const orderer: Record<string, unknown> = {
    BatchTimeout: batchTimeout,
    BatchSize: { MaxMessageCount: 500, AbsoluteMaxBytes: '10 MB', PreferredMaxBytes: '2 MB' },
    Organizations: orgs,
    Policies: {
      Readers: implicit('ANY Readers'),
      Writers: implicit('ANY Writers'),
      Admins: implicit('MAJORITY Admins'),
      BlockValidation: l.consensus === 'bft' ? bftBlockValidation(nodes) : implicit('ANY Writers'),
    },
    Capabilities: { V2_0: true },
  };
  if (l.consensus === 'raft') {
    orderer.OrdererType = 'etcdraft';
    orderer.EtcdRaft = {
      Consenters: nodes.map((n) => ({
        Host: orgHost(l.net, n.org).name,
        Port: n.port,
        ClientTLSCert: tlsCert(ordererHome(l, n)),
        ServerTLSCert: tlsCert(ordererHome(l, n)),
      })),
    };
  } else {
    orderer.OrdererType = 'BFT';
    orderer.ConsenterMapping = nodes.map((n) => ({
      ID: n.id,
      Host: orgHost(l.net, n.org).name,
      Port: n.port,
      MSPID: MSP_IDS[n.org],
      ClientTLSCert: tlsCert(ordererHome(l, n)),
      ServerTLSCert: tlsCert(ordererHome(l, n)),
      Identity: join(ordererHome(l, n), 'msp', 'signcerts', 'cert.pem'),
    }));
    // Every duration must be given: the orderer parses each one and refuses to join on an empty one.
    orderer.SmartBFT = {
      RequestBatchMaxInterval: batchTimeout,
      RequestForwardTimeout: '2s',
      RequestComplainTimeout: '20s',
      RequestAutoRemoveTimeout: '3m0s',
      ViewChangeResendInterval: '5s',
      ViewChangeTimeout: '20s',
      LeaderHeartbeatTimeout: '10s',
      LeaderHeartbeatCount: 10,
      CollectTimeout: '1s',
      IncomingMessageBufferSize: 200,
      RequestPoolSize: 100000,
    };
  }
  const configtx = {
    Profiles: {
      EnergyChannel: {
        Policies: { Readers: implicit('ANY Readers'), Writers: implicit('ANY Writers'), Admins: implicit('MAJORITY Admins') },
        Capabilities: { V3_0: true },
        Orderer: orderer,
        Application: {
          Organizations: orgs,
          Policies: {
            Readers: implicit('ANY Readers'),
            Writers: implicit('ANY Writers'),
            Admins: implicit('MAJORITY Admins'),
            // A majority of the three organizations endorses every transaction and every chaincode definition.
            LifecycleEndorsement: implicit('MAJORITY Endorsement'),
            Endorsement: implicit('MAJORITY Endorsement'),
          },
          Capabilities: { V2_5: true },
        },
      },
    },
  };
  writeFileSync(join(dir, 'configtx.yaml'), JSON.stringify(configtx, null, 2));
  return dir;
}

export async function createGenesisBlock(l: Layout): Promise<void> {
  const dir = writeConfigtx(l);
  await tool(l, 'configtxgen', ['-profile', 'EnergyChannel', '-channelID', CHANNEL, '-outputBlock', genesisBlock(l), '-configPath', dir], {
    FABRIC_CFG_PATH: dir,
  });
}

export function ordererEnv(l: Layout, n: OrdererNode): Record<string, string> {
  const home = ordererHome(l, n);
  const tls = tlsPaths(home);
  const data = nodeDataDir(l, n.name);
  const listen = orgHost(l.net, n.org).listen;
  return {
    FABRIC_CFG_PATH: configDir(l),
    FABRIC_LOGGING_SPEC: readConfig(['GRIDLEDGER_FABRIC_LOGGING']).GRIDLEDGER_FABRIC_LOGGING,
    ORDERER_GENERAL_LISTENADDRESS: listen,
    ORDERER_GENERAL_LISTENPORT: String(n.port),
    ORDERER_GENERAL_LOCALMSPID: MSP_IDS[n.org],
    ORDERER_GENERAL_LOCALMSPDIR: join(home, 'msp'),
    ORDERER_GENERAL_TLS_ENABLED: 'true',
    ORDERER_GENERAL_TLS_CERTIFICATE: tls.cert,
    ORDERER_GENERAL_TLS_PRIVATEKEY: tls.key,
    ORDERER_GENERAL_TLS_ROOTCAS: allRoots(l),
    // Cluster traffic shares the main listener; the node's TLS certificate is its cluster client certificate.
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE: tls.cert,
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY: tls.key,
    ORDERER_GENERAL_CLUSTER_ROOTCAS: allRoots(l),
    ORDERER_GENERAL_BOOTSTRAPMETHOD: 'none',
    ORDERER_CHANNELPARTICIPATION_ENABLED: 'true',
    ORDERER_ADMIN_LISTENADDRESS: `${listen}:${n.adminPort}`,
    ORDERER_ADMIN_TLS_ENABLED: 'true',
    ORDERER_ADMIN_TLS_CERTIFICATE: tls.cert,
    ORDERER_ADMIN_TLS_PRIVATEKEY: tls.key,
    ORDERER_ADMIN_TLS_ROOTCAS: allRoots(l),
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED: 'true',
    ORDERER_ADMIN_TLS_CLIENTROOTCAS: `[${caRoot(l, n.org)}]`,
    ORDERER_FILELEDGER_LOCATION: join(data, 'ledger'),
    ORDERER_CONSENSUS_WALDIR: join(data, 'etcdraft', 'wal'),
    ORDERER_CONSENSUS_SNAPDIR: join(data, 'etcdraft', 'snapshot'),
    ORDERER_OPERATIONS_LISTENADDRESS: `${listen}:${n.operationsPort}`,
    ORDERER_METRICS_PROVIDER: 'prometheus',
  };
}

export function peerEnv(l: Layout, org: OrgName): Record<string, string> {
  const p = orgPorts(org, l.offset);
  const home = peerHome(l, org);
  const tls = tlsPaths(home);
  const data = nodeDataDir(l, `peer.${org}`);
  const config = readConfig(['GRIDLEDGER_FABRIC_LOGGING', 'GRIDLEDGER_PEER_PPROF']);
  const { listen, name } = orgHost(l.net, org);
  return {
    FABRIC_CFG_PATH: configDir(l),
    FABRIC_LOGGING_SPEC: config.GRIDLEDGER_FABRIC_LOGGING,
    CORE_PEER_ID: `peer0.${org}`,
    CORE_PEER_LISTENADDRESS: `${listen}:${p.peer}`,
    CORE_PEER_ADDRESS: `${name}:${p.peer}`,
    CORE_PEER_CHAINCODELISTENADDRESS: `127.0.0.1:${p.peerChaincode}`,
    CORE_PEER_CHAINCODEADDRESS: `localhost:${p.peerChaincode}`,
    // Without an external endpoint, the gateway finds no peers of other organizations to endorse.
    CORE_PEER_GOSSIP_EXTERNALENDPOINT: `${name}:${p.peer}`,
    // The sample's default bootstrap is another organization's peer, which gossip refuses.
    CORE_PEER_GOSSIP_BOOTSTRAP: `${name}:${p.peer}`,
    CORE_PEER_GOSSIP_USELEADERELECTION: 'false',
    CORE_PEER_GOSSIP_ORGLEADER: 'true',
    // Learn the other organizations' peers in seconds after the channel is joined, not half a minute.
    CORE_PEER_GOSSIP_ALIVETIMEINTERVAL: '1s',
    CORE_PEER_GOSSIP_ALIVEEXPIRATIONTIMEOUT: '5s',
    CORE_PEER_GOSSIP_RECONNECTINTERVAL: '2s',
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL: '2s',
    CORE_PEER_LOCALMSPID: MSP_IDS[org],
    CORE_PEER_MSPCONFIGPATH: join(home, 'msp'),
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_CERT_FILE: tls.cert,
    CORE_PEER_TLS_KEY_FILE: tls.key,
    CORE_PEER_TLS_ROOTCERT_FILE: caRoot(l, org),
    CORE_PEER_FILESYSTEMPATH: data,
    CORE_LEDGER_SNAPSHOTS_ROOTDIR: join(data, 'snapshots'),
    // No history database: it keeps an entry for every write of every key, never pruned, and its
    // compaction grows with it (docs/bounded-state.md); the asset history is records of its own.
    CORE_LEDGER_HISTORY_ENABLEHISTORYDATABASE: 'false',
    CORE_OPERATIONS_LISTENADDRESS: `${listen}:${p.peerOperations}`,
    CORE_METRICS_PROVIDER: 'prometheus',
    // No Docker: chaincode packages of our builder's type run as services.
    CORE_VM_ENDPOINT: '',
    CORE_CHAINCODE_EXECUTETIMEOUT: '60s',
    // A diagnostic, off by default: Go pprof on the organization's port 63, beside its operations
    // ports (`go tool pprof -top http://127.0.0.1:<port>/debug/pprof/profile?seconds=20`).
    ...(config.GRIDLEDGER_PEER_PPROF === '1'
      ? { CORE_PEER_PROFILE_ENABLED: 'true', CORE_PEER_PROFILE_LISTENADDRESS: `127.0.0.1:${p.peerOperations + 3}` }
      : {}),
  };
}

/** The peer CLI acting as the organization's admin against its own peer. */
export function adminCliEnv(l: Layout, org: OrgName): Record<string, string> {
  const p = orgPorts(org, l.offset);
  return {
    FABRIC_CFG_PATH: configDir(l),
    FABRIC_LOGGING_SPEC: 'WARN',
    CORE_PEER_LOCALMSPID: MSP_IDS[org],
    CORE_PEER_MSPCONFIGPATH: join(adminHome(l, org), 'msp'),
    CORE_PEER_ADDRESS: `localhost:${p.peer}`,
    CORE_PEER_TLS_ENABLED: 'true',
    CORE_PEER_TLS_ROOTCERT_FILE: caRoot(l, org),
  };
}

/** Runs a Fabric tool; with an organization, in its network namespace when the layout has them. */
export async function tool(l: Layout, name: string, args: string[], env: Record<string, string>, org?: OrgName): Promise<string> {
  const line = org === undefined ? { command: join(l.binDir, name), args } : inNamespace(l.net, org, join(l.binDir, name), args);
  try {
    const { stdout, stderr } = await run(line.command, line.args, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      maxBuffer: 64 << 20,
    });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${name} ${args.slice(0, 3).join(' ')} failed: ${(err.stderr || err.stdout || err.message).trim().slice(-2000)}`, {
      cause: e,
    });
  }
}

/** Retries an operation that fails while the network settles (no Raft leader yet, gossip still learning). */
export async function retry<T>(what: string, attempts: number, delayMs: number, fn: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await sleep(delayMs);
    }
  }
  throw new Error(`${what}: ${(last as Error).message}`);
}

export async function joinOrderer(l: Layout, n: OrdererNode): Promise<void> {
  const admin = tlsPaths(ordererHome(l, n));
  const list = await tool(
    l,
    'osnadmin',
    [
      'channel',
      'list',
      '-o',
      `localhost:${n.adminPort}`,
      '--ca-file',
      caRoot(l, n.org),
      '--client-cert',
      admin.cert,
      '--client-key',
      admin.key,
    ],
    {},
    n.org,
  );
  if (list.includes(`"name": "${CHANNEL}"`) || list.includes(`"name":"${CHANNEL}"`)) return;
  // osnadmin exits 0 whatever the orderer answers: only `Status: 201` means the node joined.
  const out = await tool(
    l,
    'osnadmin',
    [
      'channel',
      'join',
      '--channelID',
      CHANNEL,
      '--config-block',
      genesisBlock(l),
      '-o',
      `localhost:${n.adminPort}`,
      '--ca-file',
      caRoot(l, n.org),
      '--client-cert',
      admin.cert,
      '--client-key',
      admin.key,
    ],
    {},
    n.org,
  );
  if (!/Status: 201\b/.test(out)) throw new Error(`${n.name} did not join ${CHANNEL}: ${out.replace(/\s+/g, ' ').trim()}`);
}

export async function joinPeer(l: Layout, org: OrgName): Promise<void> {
  const env = adminCliEnv(l, org);
  const list = await retry(`peer.${org} channel list`, 20, 500, () => tool(l, 'peer', ['channel', 'list'], env, org));
  if (list.split('\n').some((line) => line.trim() === CHANNEL)) return;
  await retry(`peer.${org} join`, 20, 500, () => tool(l, 'peer', ['channel', 'join', '-b', genesisBlock(l)], env, org));
}

/** The orderer endpoint and TLS root the peer CLI sends lifecycle transactions to. */
export function ordererArgs(l: Layout, org: OrgName): string[] {
  const n = ordererNodes(l).find((o) => o.org === org)!;
  return ['-o', `localhost:${n.port}`, '--ordererTLSHostnameOverride', 'localhost', '--tls', '--cafile', caRoot(l, org)];
}
