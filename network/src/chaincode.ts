import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readConfig } from './config';
import { CHAINCODE, CHANNEL, MSP_IDS, OrgName, ORGS, orgPorts } from './profile';
import { orgHost } from './netns';
import { adminCliEnv, caRoot, chaincodeHome, Layout, logFile, ordererArgs, pidFile, retry, tlsPaths, tool } from './fabric';
import { assertPortsFree, runningPid, sleep, startProcess, waitListening } from './proc';

/**
 * The gridledger chaincode as a service: one chaincode server per organization (Node runs it on one
 * thread, and the shim reports the server's own MSP), each named by its organization's package.
 */

export const CHAINCODE_VERSION = '1.0';
export const CHAINCODE_SEQUENCE = 1;

/** Where the chaincode server listens and with which TLS identity; `client` is what the peer presents. */
const serverTlsHome = (l: Layout, org: OrgName) => join(chaincodeHome(l, org), 'server');
const clientTlsHome = (l: Layout, org: OrgName) => join(chaincodeHome(l, org), 'client');
export const chaincodeTlsHomes = { server: serverTlsHome, client: clientTlsHome };

/** The organization's package label (the first half of its package id) and the package file. */
export const packageLabel = (org: OrgName) => `${CHAINCODE}_${org}`;
export const packageFile = (l: Layout, org: OrgName) => join(chaincodeHome(l, org), `${packageLabel(org)}.tar.gz`);

/**
 * A reproducible CCaaS package (fixed mtimes, owners and order; gzip without a name or time), so
 * that the same inputs always give the same package id.
 */
export function buildPackage(l: Layout, org: OrgName): { file: string; packageId: string } {
  const label = packageLabel(org);
  const address = `localhost:${orgPorts(org, l.offset).chaincodeServer}`;
  const client = tlsPaths(clientTlsHome(l, org));
  const connection = {
    address,
    dial_timeout: '10s',
    tls_required: true,
    client_auth_required: true,
    root_cert: readFileSync(caRoot(l, org), 'utf8'),
    client_cert: readFileSync(client.cert, 'utf8'),
    client_key: readFileSync(client.key, 'utf8'),
  };
  const work = mkdtempSync(join(tmpdir(), 'gl-ccpkg-'));
  try {
    const tarArgs = ['--mtime=@0', '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-cf'];
    writeFileSync(join(work, 'connection.json'), JSON.stringify(connection));
    execFileSync('tar', [...tarArgs, join(work, 'code.tar'), '-C', work, 'connection.json']);
    gzip(join(work, 'code.tar'), join(work, 'code.tar.gz'));
    writeFileSync(join(work, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
    execFileSync('tar', [...tarArgs, join(work, 'package.tar'), '-C', work, 'code.tar.gz', 'metadata.json']);
    const file = packageFile(l, org);
    mkdirSync(chaincodeHome(l, org), { recursive: true });
    gzip(join(work, 'package.tar'), file);
    const packageId = `${label}:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;
    return { file, packageId };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function gzip(from: string, to: string): void {
  writeFileSync(to, execFileSync('gzip', ['-n', '-c', from], { maxBuffer: 64 << 20 }));
}

/** Starts the organization's chaincode server (the fabric-shim CLI) with a clean environment. */
export async function startChaincodeServer(l: Layout, org: OrgName, packageId: string, repoRoot: string): Promise<void> {
  const name = `chaincode.${org}`;
  if (runningPid(pidFile(l, name)) !== undefined) return;
  const tls = tlsPaths(serverTlsHome(l, org));
  const cli = require.resolve('fabric-shim/cli', { paths: [join(repoRoot, 'chaincode')] });
  const port = orgPorts(org, l.offset).chaincodeServer;
  const host = orgHost(l.net, org);
  if (!l.net) await assertPortsFree({ [`${name} listener`]: port });
  const config = readConfig(['GRIDLEDGER_CHAINCODE_NODE_ARGS', 'GRIDLEDGER_STATE_BATCH']);
  const pid = await startProcess({
    name,
    command: process.execPath,
    args: [
      // For profiling: e.g. GRIDLEDGER_CHAINCODE_NODE_ARGS='--prof --logfile=/tmp/cc.log' (node refuses --prof in NODE_OPTIONS).
      ...config.GRIDLEDGER_CHAINCODE_NODE_ARGS.split(' ').filter((a) => a !== ''),
      cli,
      'server',
      '--chaincode-address',
      `${host.listen}:${port}`,
      '--chaincode-id',
      packageId,
      '--module-path',
      join(repoRoot, 'chaincode'),
      '--chaincode-tls-cert-file',
      tls.cert,
      '--chaincode-tls-key-file',
      tls.key,
      '--chaincode-tls-client-cacert-file',
      caRoot(l, org),
    ],
    // The shim reads every CORE_* variable as an option; only the MSP id is wanted (stub.getMspID()).
    // GRIDLEDGER_STATE_BATCH=0 turns batched state access off (chaincode/src/state-batch.ts).
    env: {
      PATH: process.env.PATH,
      CORE_PEER_LOCALMSPID: MSP_IDS[org],
      NODE_ENV: 'production',
      ...(config.GRIDLEDGER_STATE_BATCH !== undefined ? { GRIDLEDGER_STATE_BATCH: config.GRIDLEDGER_STATE_BATCH } : {}),
    },
    pidFile: pidFile(l, name),
    logFile: logFile(l, name),
    netns: l.net?.orgs[org].ns,
  });
  await waitListening(name, port, pid, logFile(l, name), 60_000, l.net ? host.reach : undefined);
}

/** The chaincode's private data collections (household consumption), part of its definition. */
export const COLLECTIONS_CONFIG = resolve(__dirname, '..', '..', 'chaincode', 'collections.json');
/**
 * The chaincode's endorsement policy: peers of two of the three organizations, as the channel's
 * MAJORITY Endorsement says. Written as a signature policy because the peers evaluate that with
 * one check per endorsement: the implicit-meta reference checked both endorsements once per
 * organization, twice per transaction that writes household data (pprof: 13-14% of each
 * peer's CPU in a readings round went to ECDSA verification). Adding an organization to the
 * channel now needs a new chaincode definition for it to count.
 */
export const ENDORSEMENT_POLICY = "OutOf(2, 'CommunityMSP.peer', 'RegulatorMSP.peer', 'UtilityMSP.peer')";

export async function installAndApprove(l: Layout, org: OrgName, pkg: { file: string; packageId: string }): Promise<void> {
  const env = adminCliEnv(l, org);
  const installed = await tool(l, 'peer', ['lifecycle', 'chaincode', 'queryinstalled', '-O', 'json'], env, org);
  if (!installed.includes(pkg.packageId)) {
    await retry(`install on peer.${org}`, 5, 1000, () => tool(l, 'peer', ['lifecycle', 'chaincode', 'install', pkg.file], env, org));
  }
  if (await approved(l, org)) return;
  // Right after the channel is created the orderer may have no Raft leader yet, and a lost approval is silent.
  await retry(`approve for ${MSP_IDS[org]}`, 20, 1000, async () => {
    await tool(
      l,
      'peer',
      [
        'lifecycle',
        'chaincode',
        'approveformyorg',
        '-C',
        CHANNEL,
        '-n',
        CHAINCODE,
        '--version',
        CHAINCODE_VERSION,
        '--package-id',
        pkg.packageId,
        '--sequence',
        String(CHAINCODE_SEQUENCE),
        '--signature-policy',
        ENDORSEMENT_POLICY,
        '--collections-config',
        COLLECTIONS_CONFIG,
        '--waitForEvent',
        ...ordererArgs(l, org),
      ],
      env,
      org,
    );
    if (!(await approved(l, org))) throw new Error('approval not visible yet');
  });
}

async function approved(l: Layout, org: OrgName): Promise<boolean> {
  try {
    await tool(
      l,
      'peer',
      ['lifecycle', 'chaincode', 'queryapproved', '-C', CHANNEL, '-n', CHAINCODE, '--sequence', String(CHAINCODE_SEQUENCE)],
      adminCliEnv(l, org),
      org,
    );
    return true;
  } catch {
    return false;
  }
}

export async function committed(l: Layout, org: OrgName = 'utility'): Promise<boolean> {
  try {
    const out = await tool(
      l,
      'peer',
      ['lifecycle', 'chaincode', 'querycommitted', '-C', CHANNEL, '-n', CHAINCODE],
      adminCliEnv(l, org),
      org,
    );
    return out.includes(`Sequence: ${CHAINCODE_SEQUENCE}`);
  } catch {
    return false;
  }
}

export async function commitDefinition(l: Layout): Promise<void> {
  if (await committed(l)) return;
  const env = adminCliEnv(l, 'utility');
  const common = [
    '-C',
    CHANNEL,
    '-n',
    CHAINCODE,
    '--version',
    CHAINCODE_VERSION,
    '--sequence',
    String(CHAINCODE_SEQUENCE),
    '--signature-policy',
    ENDORSEMENT_POLICY,
    '--collections-config',
    COLLECTIONS_CONFIG,
  ];
  await retry('commit readiness', 40, 500, async () => {
    const out = await tool(l, 'peer', ['lifecycle', 'chaincode', 'checkcommitreadiness', ...common, '-O', 'json'], env, 'utility');
    const approvals = (JSON.parse(out.slice(out.indexOf('{'))) as { approvals: Record<string, boolean> }).approvals;
    if (!ORGS.every((o) => approvals[MSP_IDS[o]])) throw new Error(`approvals so far: ${JSON.stringify(approvals)}`);
  });
  const peers = ORGS.flatMap((o) => [
    '--peerAddresses',
    `${orgHost(l.net, o).name}:${orgPorts(o, l.offset).peer}`,
    '--tlsRootCertFiles',
    caRoot(l, o),
  ]);
  await retry('commit', 10, 1000, async () => {
    if (await committed(l)) return;
    await tool(
      l,
      'peer',
      ['lifecycle', 'chaincode', 'commit', ...common, ...peers, '--waitForEvent', ...ordererArgs(l, 'utility')],
      env,
      'utility',
    );
  });
  for (let i = 0; i < 40 && !(await committed(l)); i++) await sleep(250);
}
