import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { ATTR_AGENT, ATTR_ID, ATTR_ROLE, ErrorCodes, GridLedgerError, ID_PATTERN, ID_RULE, isRole, Role } from '@gridledger/core/core';
import { assertPortsFree, runningPid, startProcess, stopProcess, waitHealthy } from './proc';

const run = promisify(execFile);

/** Fabric CA's own error code for "identity already registered" (lib/caerrors, ErrDupIdentityReg). */
const CA_DUPLICATE_IDENTITY = 74;
/** Where fabric-ca puts enrollment attributes in a certificate (an X.509 extension holding JSON). */
const CA_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

export interface CaConfig {
  /** The CA's name, e.g. `ca-utility`; clients address it by this name. */
  name: string;
  /** Server home: keys, certificates and the SQLite database; survives restarts; mode 0700. */
  home: string;
  port: number;
  /** Operations (health, metrics) endpoint, plain HTTP on loopback. */
  operationsPort: number;
  /** Bootstrap registrar, created on the first start only. */
  admin: { id: string; secret: string };
  binDir: string;
  /** In a network namespace (netns.ts): its name, the address clients reach, the TLS host names. Absent: 127.0.0.1. */
  netns?: { ns: string; reach: string; tlsHosts: string[] };
}

export interface Enrollment {
  certificate: string;
  privateKey: string;
  /** The MSP folder: signcerts/cert.pem, one key in keystore/, cacerts/ca.pem, config.yaml (NodeOUs). */
  mspDir: string;
  certPath: string;
  keyPath: string;
}

export interface NewIdentity {
  id: string;
  secret: string;
  /** gl.role, for people and services; nodes (peer, orderer) and org admins carry none. */
  role?: Role;
  /** Fabric CA identity type, which becomes the certificate's OU (NodeOUs); `client` by default. */
  type?: 'client' | 'peer' | 'orderer' | 'admin';
  /** gl.id when it is not the enrollment id: an agent identity acts for its owner (`<owner>.agent`, docs/security.md). */
  participantId?: string;
  /** gl.agent=true: the participant's trading agent, not its owner. */
  agent?: boolean;
}

/** The enrollment id of a participant's agent identity at its organization's CA. */
export const agentEnrollmentId = (participantId: string): string => `${participantId}.agent`;

/** The `--id.attrs` of an identity: gl.role, gl.id and, for an agent, gl.agent, each in every enrollment certificate (`:ecert`). */
export function identityAttributes(identity: NewIdentity): string | undefined {
  if (identity.role === undefined) return undefined;
  const attrs = [`${ATTR_ROLE}=${identity.role}`, `${ATTR_ID}=${identity.participantId ?? identity.id}`];
  if (identity.agent === true) attrs.push(`${ATTR_AGENT}=true`);
  return attrs.map((a) => `${a}:ecert`).join(',');
}

export interface EnrollOptions {
  /** A TLS certificate (the CA's `tls` profile) for these host names instead of an enrollment certificate. */
  tlsHosts?: string[];
}

/** What a client of a CA needs: where it is, which root to trust, and an enrolled registrar. */
export interface CaClientConfig {
  url: string;
  name: string;
  rootCertPath: string;
  /** fabric-ca-client home of the enrolled bootstrap registrar. */
  registrarHome: string;
  binDir: string;
}

/**
 * Fabric's NodeOU classification: the certificate's OU (client, peer, admin, orderer) decides which
 * of a channel's `.client`, `.peer`, `.admin`, `.orderer` policies an identity satisfies.
 */
export function nodeOuConfig(caCertFile = 'cacerts/ca.pem'): string {
  const ou = (name: string) =>
    `  ${name}OUIdentifier:\n    Certificate: ${caCertFile}\n    OrganizationalUnitIdentifier: ${name.toLowerCase()}\n`;
  return `NodeOUs:\n  Enable: true\n${ou('Client')}${ou('Peer')}${ou('Admin')}${ou('Orderer')}`;
}

/**
 * Registers and enrolls identities at one organization's CA through the fabric-ca-client binary.
 * Secrets reach it through environment variables, never the command line (other users can list it).
 */
export class CaClient {
  constructor(readonly config: CaClientConfig) {}

  /**
   * Registers an identity carrying gl.role and gl.id as certificate attributes (`:ecert`, so that
   * every enrollment certificate holds them and chaincode can read them).
   */
  async register(identity: NewIdentity): Promise<void> {
    const glId = identity.participantId ?? identity.id;
    const enrollmentId = identity.agent === true ? agentEnrollmentId(glId) : glId;
    if (!ID_PATTERN.test(glId) || identity.id !== enrollmentId) {
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participant id must be ${ID_RULE}`, { id: identity.id });
    }
    const type = identity.type ?? 'client';
    if (identity.role !== undefined ? !isRole(identity.role) : type === 'client') {
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_ROLE_INVALID, `unknown role ${String(identity.role)}`);
    }
    const attrs = identity.role ? ['--id.attrs', identityAttributes(identity)!] : [];
    await this.client(
      [
        'register',
        '--home',
        this.config.registrarHome,
        '--mspdir',
        join(this.config.registrarHome, 'msp'),
        '--url',
        this.config.url,
        '--id.name',
        identity.id,
        '--id.type',
        type,
        ...attrs,
      ],
      { FABRIC_CA_CLIENT_ID_SECRET: identity.secret },
    );
  }

  /**
   * Removes an identity and revokes every certificate issued to it, so that its id can be registered
   * again (onboarding undoes a registration the ledger then refused). Needs the server's
   * --cfg.identities.allowremove.
   */
  async remove(id: string): Promise<void> {
    await this.client(
      [
        'identity',
        'remove',
        id,
        '--home',
        this.config.registrarHome,
        '--mspdir',
        join(this.config.registrarHome, 'msp'),
        '--url',
        this.config.url,
      ],
      {},
    );
  }

  /** Gives a registered identity a new enrollment secret (its old one was not kept: up.ts forgets secrets once used). */
  async resetSecret(id: string, secret: string): Promise<void> {
    await this.client(
      [
        'identity',
        'modify',
        id,
        '--secret',
        secret,
        '--home',
        this.config.registrarHome,
        '--mspdir',
        join(this.config.registrarHome, 'msp'),
        '--url',
        this.config.url,
      ],
      {},
    );
  }

  /**
   * Enrolls an identity: a new key pair and a certificate, written as an MSP folder `<home>/msp`
   * (or `<home>/tls` for a TLS certificate): signcerts/cert.pem, one key in keystore/, cacerts/ca.pem
   * and the NodeOUs config.yaml.
   */
  async enroll(id: string, secret: string, home: string, options: EnrollOptions = {}): Promise<Enrollment> {
    const tls = options.tlsHosts !== undefined;
    const mspDir = join(home, tls ? 'tls' : 'msp');
    // Enrolling again replaces the folder whole: a second key beside the first would not match the new certificate.
    const staging = mspDir;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const url = new URL(this.config.url);
    await this.client(
      [
        'enroll',
        '--home',
        home,
        '--mspdir',
        staging,
        ...(tls ? ['--enrollment.profile', 'tls', '--csr.hosts', options.tlsHosts!.join(',')] : []),
      ],
      { FABRIC_CA_CLIENT_URL: `https://${encodeURIComponent(id)}:${encodeURIComponent(secret)}@${url.host}` },
    );
    // The key keeps the name the client gave it (<SKI>_sk): Fabric CA's keystore finds keys by it.
    const [keyFile] = readdirSync(join(staging, 'keystore'));
    chmodSync(join(staging, 'keystore', keyFile), 0o600);
    for (const dir of ['cacerts', 'tlscacerts']) {
      const folder = join(staging, dir);
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder)) renameSync(join(folder, f), join(folder, 'ca.pem'));
    }
    if (tls && !existsSync(join(staging, 'tlscacerts', 'ca.pem'))) {
      mkdirSync(join(staging, 'tlscacerts'), { recursive: true });
      copyFileSync(this.config.rootCertPath, join(staging, 'tlscacerts', 'ca.pem'));
    }
    if (!tls) writeFileSync(join(staging, 'config.yaml'), nodeOuConfig());
    const certPath = join(mspDir, 'signcerts', 'cert.pem');
    const keyPath = join(mspDir, 'keystore', keyFile);
    return { certificate: readFileSync(certPath, 'utf8'), privateKey: readFileSync(keyPath, 'utf8'), mspDir, certPath, keyPath };
  }

  private async client(args: string[], env: Record<string, string>): Promise<void> {
    try {
      await run(
        join(this.config.binDir, 'fabric-ca-client'),
        [...args, '--caname', this.config.name, '--tls.certfiles', this.config.rootCertPath],
        {
          env: { PATH: process.env.PATH, ...env },
        },
      );
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '');
      // The CA answers with numeric codes of its own (lib/caerrors); map those, not the text.
      const caCode = Number(/Error Code: (\d+)/.exec(stderr)?.[1] ?? 0);
      if (caCode === CA_DUPLICATE_IDENTITY) {
        throw new GridLedgerError(ErrorCodes.PARTICIPANT_EXISTS, 'identity already registered at the CA', { caCode });
      }
      throw new GridLedgerError(ErrorCodes.CA_REQUEST_FAILED, `CA ${this.config.name} refused ${args[0]}`, { caCode, command: args[0] });
    }
  }
}

/**
 * One organization's Fabric CA, run as a native fabric-ca-server process with TLS on loopback
 * (detached, with a pid file, so that it outlives `npm run up`).
 */
export class FabricCa {
  readonly client: CaClient;

  constructor(readonly config: CaConfig) {
    this.client = new CaClient({
      url: `https://${config.netns?.reach ?? '127.0.0.1'}:${config.port}`,
      name: config.name,
      rootCertPath: join(config.home, 'ca-cert.pem'),
      registrarHome: join(config.home, 'clients', config.admin.id),
      binDir: config.binDir,
    });
  }

  get url(): string {
    return this.client.config.url;
  }

  /** The CA's root certificate: it signs enrollment certificates and the CA's own TLS certificate. */
  get rootCertPath(): string {
    return this.client.config.rootCertPath;
  }

  get pidFile(): string {
    return join(this.config.home, 'fabric-ca-server.pid');
  }

  get logFile(): string {
    return join(this.config.home, 'fabric-ca-server.log');
  }

  /** Starts the CA unless ours is already running; refuses ports that something else holds. */
  async start(): Promise<void> {
    const { home, name, port, operationsPort, admin, binDir } = this.config;
    if (runningPid(this.pidFile) !== undefined) return;
    // The server writes the bootstrap secret into its config file: keep the whole home private.
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chmodSync(home, 0o700);
    const net = this.config.netns;
    if (!net) await assertPortsFree({ [`${name} listener`]: port, [`${name} operations`]: operationsPort });
    const listen = net ? '0.0.0.0' : '127.0.0.1';
    const pid = await startProcess({
      name,
      command: join(binDir, 'fabric-ca-server'),
      args: [
        'start',
        '--home',
        home,
        '--ca.name',
        name,
        '--address',
        listen,
        '--port',
        String(port),
        '--tls.enabled',
        '--csr.hosts',
        net ? net.tlsHosts.join(',') : '127.0.0.1,localhost',
        '--cfg.identities.allowremove',
      ],
      env: {
        PATH: process.env.PATH,
        FABRIC_CA_SERVER_BOOT: `${admin.id}:${admin.secret}`,
        FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: `${listen}:${operationsPort}`,
      },
      pidFile: this.pidFile,
      logFile: this.logFile,
      netns: net?.ns,
    });
    await waitHealthy(name, `http://${net?.reach ?? '127.0.0.1'}:${operationsPort}/healthz`, pid, this.logFile, 30_000);
    // The issuer keys (IssuerSecretKey, IssuerRevocationPrivateKey), the CA's signing key, its
    // database and its config (with the bootstrap secret): owner only, like the home itself.
    privateFiles(home);
  }

  async stop(): Promise<void> {
    await stopProcess(this.pidFile);
  }

  /** Enrolls the bootstrap registrar into its client home; needed before register(). */
  async enrollAdmin(): Promise<Enrollment> {
    return this.client.enroll(this.config.admin.id, this.config.admin.secret, this.client.config.registrarHome);
  }

  register(identity: NewIdentity): Promise<void> {
    return this.client.register(identity);
  }

  enroll(id: string, secret: string, home: string, options?: EnrollOptions): Promise<Enrollment> {
    return this.client.enroll(id, secret, home, options);
  }
}

/** Every file under `dir` mode 0600 except the public certificates (*-cert.pem). */
function privateFiles(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) privateFiles(path);
    else if (entry.isFile() && !entry.name.endsWith('-cert.pem')) chmodSync(path, 0o600);
  }
}

/** The gl.* (and hf.*) attributes fabric-ca wrote into an enrollment certificate. */
export function certificateAttributes(certificatePem: string): Record<string, string> {
  const der = Buffer.from(certificatePem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const certificate = AsnConvert.parse(der, Certificate);
  const extension = certificate.tbsCertificate.extensions?.find((e) => e.extnID === CA_ATTRS_OID);
  if (!extension) return {};
  const json = Buffer.from(extension.extnValue.buffer).toString('utf8');
  const parsed = JSON.parse(json) as { attrs?: Record<string, string> };
  return parsed.attrs ?? {};
}
