/**
 * Identities on a real Fabric CA: fabric-ca-server and fabric-ca-client built from the pinned
 * tools module, TLS on loopback, state in a temporary home.
 */
import { createPrivateKey, createPublicKey, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@gridledger/core/core';
import { agentEnrollmentId, certificateAttributes, FabricCa, runningPid } from '../src';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// Starting and restarting a CA process takes a few seconds on a loaded 2-core machine.
jest.setTimeout(60_000);

const secret = () => randomBytes(12).toString('hex');

let home: string;
let ca: FabricCa;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'gl-ca-'));
  ca = new FabricCa({
    name: 'ca-community',
    home: join(home, 'server'),
    port: await freePort(),
    operationsPort: await freePort(),
    admin: { id: 'registrar', secret: secret() },
    binDir: process.env.GRIDLEDGER_FABRIC_BIN!,
  });
  await ca.start();
  await ca.enrollAdmin();
});

afterAll(async () => {
  await ca?.stop();
  rmSync(home, { recursive: true, force: true });
});

it('registers and enrolls a participant whose certificate carries gl.role and gl.id', async () => {
  const password = secret();
  await ca.register({ id: 'alice-01', secret: password, role: 'prosumer' });
  const enrollment = await ca.enroll('alice-01', password, join(home, 'alice'));

  const attrs = certificateAttributes(enrollment.certificate);
  expect(attrs['gl.role']).toBe('prosumer');
  expect(attrs['gl.id']).toBe('alice-01');
  expect(attrs['hf.EnrollmentID']).toBe('alice-01');
  expect(enrollment.privateKey).toContain('PRIVATE KEY');
});

it("enrolls a participant's agent as <id>.agent with the owner's gl.id and role and gl.agent=true", async () => {
  const password = secret();
  const id = agentEnrollmentId('alice-01');
  expect(id).toBe('alice-01.agent');
  await ca.register({ id, secret: password, role: 'prosumer', participantId: 'alice-01', agent: true });
  const attrs = certificateAttributes((await ca.enroll(id, password, join(home, 'alice-agent'))).certificate);
  expect(attrs).toMatchObject({ 'gl.role': 'prosumer', 'gl.id': 'alice-01', 'gl.agent': 'true', 'hf.EnrollmentID': 'alice-01.agent' });
  // An agent's enrollment id is always its owner's id with .agent; an owner is never named otherwise.
  await expect(
    ca.register({ id: 'x.agent', secret: secret(), role: 'prosumer', participantId: 'alice-01', agent: true }),
  ).rejects.toMatchObject({
    code: ErrorCodes.PARTICIPANT_ID_INVALID,
  });
  await expect(ca.register({ id: 'other', secret: secret(), role: 'prosumer', participantId: 'alice-01' })).rejects.toMatchObject({
    code: ErrorCodes.PARTICIPANT_ID_INVALID,
  });
});

it('refuses a second registration of the same id with PARTICIPANT_EXISTS', async () => {
  await ca.register({ id: 'bob-02', secret: secret(), role: 'consumer' });
  await expect(ca.register({ id: 'bob-02', secret: secret(), role: 'prosumer' })).rejects.toMatchObject({
    code: ErrorCodes.PARTICIPANT_EXISTS,
    details: { caCode: 74 },
  });
});

it('refuses enrollment with a wrong secret', async () => {
  await ca.register({ id: 'carol-03', secret: secret(), role: 'consumer' });
  await expect(ca.enroll('carol-03', 'wrong-secret', join(home, 'carol'))).rejects.toMatchObject({
    code: ErrorCodes.CA_REQUEST_FAILED,
  });
});

it('validates id and role before asking the CA', async () => {
  await expect(ca.register({ id: 'a,b', secret: secret(), role: 'prosumer' })).rejects.toMatchObject({
    code: ErrorCodes.PARTICIPANT_ID_INVALID,
  });
  await expect(ca.register({ id: 'dave-04', secret: secret(), role: 'admin' as unknown as 'prosumer' })).rejects.toMatchObject({
    code: ErrorCodes.PARTICIPANT_ROLE_INVALID,
  });
});

it('keeps its registrations across a restart', async () => {
  const password = secret();
  await ca.register({ id: 'erin-05', secret: password, role: 'battery-provider' });
  await ca.stop();
  await ca.start();
  await expect(ca.register({ id: 'erin-05', secret: secret(), role: 'prosumer' })).rejects.toMatchObject({
    code: ErrorCodes.PARTICIPANT_EXISTS,
  });
  const enrollment = await ca.enroll('erin-05', password, join(home, 'erin'));
  expect(certificateAttributes(enrollment.certificate)['gl.role']).toBe('battery-provider');
});

describe('fixes from the outside review', () => {
  it('stop() returns when the CA died by a signal', async () => {
    const pid = runningPid(ca.pidFile)!;
    process.kill(pid, 'SIGKILL');
    await expect(ca.stop()).resolves.toBeUndefined();
    expect(existsSync(ca.pidFile)).toBe(false);
    await ca.start();
    expect(runningPid(ca.pidFile)).toBeDefined();
  });

  it('a missing binary is a clear error and writes no pid file', async () => {
    const other = new FabricCa({
      ...ca.config,
      home: join(home, 'nobin'),
      binDir: join(home, 'no-such-dir'),
      port: await freePort(),
      operationsPort: await freePort(),
    });
    await expect(other.start()).rejects.toThrow(/fabric-ca-server does not exist/);
    expect(existsSync(other.pidFile)).toBe(false);
  });

  it('a second CA on ports that are taken is refused, naming the port, instead of trusting the old one', async () => {
    const twin = new FabricCa({ ...ca.config, home: join(home, 'twin') });
    await expect(twin.start()).rejects.toThrow(new RegExp(`port ${ca.config.port} `));
    expect(existsSync(twin.pidFile)).toBe(false);
  });

  it('enrolling twice into one home leaves one key, the one that matches the certificate', async () => {
    const password = secret();
    await ca.register({ id: 'frank-06', secret: password, role: 'prosumer' });
    const where = join(home, 'frank');
    await ca.enroll('frank-06', password, where);
    const second = await ca.enroll('frank-06', password, where);
    expect(readdirSync(join(second.mspDir, 'keystore'))).toHaveLength(1);
    const certKey = new X509Certificate(second.certificate).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = createPublicKey(createPrivateKey(second.privateKey)).export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(certKey, ownKey)).toBe(0);
    expect(statSync(second.keyPath).mode & 0o077).toBe(0);
  });

  it('keeps the bootstrap secret out of reach of other users', () => {
    expect(statSync(ca.config.home).mode & 0o077).toBe(0);
    const configFile = join(ca.config.home, 'fabric-ca-server-config.yaml');
    expect(statSync(configFile).mode & 0o077).toBe(0);
  });

  it("writes the NodeOUs config.yaml that Fabric's role policies rely on, naming a CA file that exists", async () => {
    const password = secret();
    await ca.register({ id: 'grace-07', secret: password, role: 'consumer' });
    const { mspDir } = await ca.enroll('grace-07', password, join(home, 'grace'));
    const config = readFileSync(join(mspDir, 'config.yaml'), 'utf8');
    expect(config).toMatch(/Enable: true/);
    for (const ou of ['client', 'peer', 'admin', 'orderer']) expect(config).toContain(`OrganizationalUnitIdentifier: ${ou}`);
    const caFile = /Certificate: (\S+)/.exec(config)![1];
    expect(existsSync(join(mspDir, caFile))).toBe(true);
    // The enrollment certificate is of OU client, which the config maps to the .client role.
    expect(new X509Certificate(readFileSync(join(mspDir, 'signcerts', 'cert.pem'))).subject).toMatch(/OU=client/);
  });

  it('issues TLS certificates for the host names asked', async () => {
    const password = secret();
    await ca.register({ id: 'peer0-test', secret: password, type: 'peer' });
    const tls = await ca.enroll('peer0-test', password, join(home, 'peer0'), { tlsHosts: ['localhost', '127.0.0.1'] });
    const cert = new X509Certificate(tls.certificate);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(existsSync(join(tls.mspDir, 'tlscacerts', 'ca.pem'))).toBe(true);
  });
});
