import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import {
  ATTR_ID,
  ATTR_ROLE,
  ErrorCodes,
  GridLedgerError,
  ID_PATTERN,
  ID_RULE,
  isRole,
  Role,
} from '@gridledger/core/core';

const run = promisify(execFile);

/** Fabric CA's own error code for "identity already registered" (lib/caerrors, ErrDupIdentityReg). */
const CA_DUPLICATE_IDENTITY = 74;
/** Where fabric-ca puts enrollment attributes in a certificate (an X.509 extension holding JSON). */
const CA_ATTRS_OID = '1.2.3.4.5.6.7.8.1';

export interface CaConfig {
  /** The CA's name, e.g. `ca-utility`; clients address it by this name. */
  name: string;
  /** Server home: keys, certificates and the SQLite database; survives restarts. */
  home: string;
  port: number;
  /** Operations (health, metrics) endpoint, plain HTTP on loopback. */
  operationsPort: number;
  /** Bootstrap registrar, created on the first start only. */
  admin: { id: string; secret: string };
  binDir: string;
}

export interface Enrollment {
  certificate: string;
  privateKey: string;
  mspDir: string;
}

export interface NewIdentity {
  id: string;
  secret: string;
  role: Role;
  /** Fabric CA identity type; `client` for people and services. */
  type?: 'client' | 'peer' | 'orderer' | 'admin';
}

/**
 * One organization's Fabric CA, run as a native fabric-ca-server process with TLS on loopback, and
 * driven through the fabric-ca-client binary. Secrets reach both through environment variables,
 * never the command line, so that they do not show in the process list.
 */
export class FabricCa {
  private server?: ChildProcess;

  constructor(readonly config: CaConfig) {}

  get url(): string {
    return `https://127.0.0.1:${this.config.port}`;
  }

  /** The CA's root certificate: it signs enrollment certificates and the CA's own TLS certificate. */
  get rootCertPath(): string {
    return join(this.config.home, 'ca-cert.pem');
  }

  get pidFile(): string {
    return join(this.config.home, 'fabric-ca-server.pid');
  }

  async start(): Promise<void> {
    const { home, name, port, operationsPort, admin, binDir } = this.config;
    mkdirSync(home, { recursive: true });
    const server = spawn(
      join(binDir, 'fabric-ca-server'),
      ['start', '--home', home, '--ca.name', name, '--address', '127.0.0.1', '--port', String(port), '--tls.enabled',
        '--csr.hosts', '127.0.0.1,localhost'],
      {
        env: {
          PATH: process.env.PATH,
          FABRIC_CA_SERVER_BOOT: `${admin.id}:${admin.secret}`,
          FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS: `127.0.0.1:${operationsPort}`,
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.server = server;
    let log = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8000);
    });
    writeFileSync(this.pidFile, `${server.pid}\n`);
    const exited = new Promise<never>((_, reject) =>
      server.once('exit', (code) => reject(new Error(`fabric-ca-server ${name} exited with ${code}:\n${log}`))),
    );
    await Promise.race([waitForHealth(operationsPort, 30_000), exited]);
    exited.catch(() => undefined);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    rmSync(this.pidFile, { force: true });
    if (!server || server.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      server.once('exit', () => resolve());
      server.kill('SIGTERM');
    });
  }

  /** Enrolls the bootstrap registrar into `<home>/clients/<id>`; needed before register(). */
  async enrollAdmin(): Promise<Enrollment> {
    return this.enroll(this.config.admin.id, this.config.admin.secret, this.clientHome(this.config.admin.id));
  }

  /**
   * Registers an identity carrying gl.role and gl.id as certificate attributes (`:ecert`, so that
   * every enrollment certificate holds them and chaincode can read them).
   */
  async register(identity: NewIdentity): Promise<void> {
    if (!ID_PATTERN.test(identity.id)) {
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participant id must be ${ID_RULE}`, {
        id: identity.id,
      });
    }
    if (!isRole(identity.role)) {
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_ROLE_INVALID, `unknown role ${String(identity.role)}`);
    }
    const registrar = this.clientHome(this.config.admin.id);
    await this.client(
      ['register', '--home', registrar, '--url', this.url, '--id.name', identity.id,
        '--id.type', identity.type ?? 'client',
        '--id.attrs', `${ATTR_ROLE}=${identity.role}:ecert,${ATTR_ID}=${identity.id}:ecert`],
      { FABRIC_CA_CLIENT_ID_SECRET: identity.secret },
    );
  }

  /** Enrolls an identity: a new key pair and a certificate from the CA, written as an MSP folder. */
  async enroll(id: string, secret: string, home: string): Promise<Enrollment> {
    const mspDir = join(home, 'msp');
    await this.client(['enroll', '--home', home, '--mspdir', mspDir], {
      FABRIC_CA_CLIENT_URL: `https://${encodeURIComponent(id)}:${encodeURIComponent(secret)}@127.0.0.1:${this.config.port}`,
    });
    const keystore = join(mspDir, 'keystore');
    const [keyFile] = readdirSync(keystore).filter((f) => f.endsWith('_sk'));
    return {
      certificate: readFileSync(join(mspDir, 'signcerts', 'cert.pem'), 'utf8'),
      privateKey: readFileSync(join(keystore, keyFile), 'utf8'),
      mspDir,
    };
  }

  private clientHome(id: string): string {
    return join(this.config.home, 'clients', id);
  }

  private async client(args: string[], env: Record<string, string>): Promise<void> {
    try {
      await run(join(this.config.binDir, 'fabric-ca-client'), [...args, '--caname', this.config.name, '--tls.certfiles', this.rootCertPath], {
        env: { PATH: process.env.PATH, ...env },
      });
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '');
      // The CA answers with numeric codes of its own (lib/caerrors); map those, not the text.
      const caCode = Number(/Error Code: (\d+)/.exec(stderr)?.[1] ?? 0);
      if (caCode === CA_DUPLICATE_IDENTITY) {
        throw new GridLedgerError(ErrorCodes.PARTICIPANT_EXISTS, 'identity already registered at the CA', { caCode });
      }
      throw new GridLedgerError(ErrorCodes.CA_REQUEST_FAILED, `CA ${this.config.name} refused ${args[0]}`, {
        caCode,
        command: args[0],
      });
    }
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

async function waitForHealth(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await healthy(port)) return;
    if (Date.now() > deadline) throw new Error(`CA operations endpoint 127.0.0.1:${port} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

