/**
 * Identities on a real Fabric CA: fabric-ca-server and fabric-ca-client built from the pinned
 * tools module, TLS on loopback, state in a temporary home.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes } from '@gridledger/core/core';
import { certificateAttributes, FabricCa } from '../src';

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
  await expect(
    ca.register({ id: 'dave-04', secret: secret(), role: 'admin' as unknown as 'prosumer' }),
  ).rejects.toMatchObject({ code: ErrorCodes.PARTICIPANT_ROLE_INVALID });
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
