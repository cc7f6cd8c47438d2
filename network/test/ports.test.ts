import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leasePortOffset, platformPorts, RUN_OFFSETS } from '../src/ports';
import { retryOnPortTaken } from '../src/proc';

// Offsets far from the ones real runs use (+20000 …), so that a platform on this machine is not disturbed.
const A = 2200;
const B = 22500;

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

describe('port offsets of test runs and benchmarks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-ports-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every listener of a platform, none shared by two and all below the ephemeral range', () => {
    const all = RUN_OFFSETS.flatMap((o) => Object.values(platformPorts(o)));
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBeLessThan(32768);
    const ports = platformPorts(20000);
    expect(ports['regulator chaincodeServer']).toBe(29055);
    expect(ports['community gateway']).toBe(28081);
    expect(ports['MQTT broker']).toBe(21883);
  });

  it('leases the first offset, and a second lease while the first is held gets the next one', async () => {
    const first = await leasePortOffset([A, B], { dir });
    expect(first.offset).toBe(A);
    expect(readFileSync(join(dir, `gridledger-ports-${A}.lease`), 'utf8')).toBe(`${process.pid}\n`);
    const second = await leasePortOffset([A, B], { dir });
    expect(second.offset).toBe(B);
    await expect(leasePortOffset([A, B], { dir })).rejects.toThrow(`+${A}: leased by another run; +${B}: leased by another run`);
    first.release();
    second.release();
    const again = await leasePortOffset([A, B], { dir });
    expect(again.offset).toBe(A);
    again.release();
    expect(existsSync(join(dir, `gridledger-ports-${A}.lease`))).toBe(false);
  });

  it('takes over the lease of a run that exited without giving it back', async () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    writeFileSync(join(dir, `gridledger-ports-${A}.lease`), `${exited.stdout}\n`);
    const lease = await leasePortOffset([A, B], { dir });
    expect(lease.offset).toBe(A);
    lease.release();
  });

  it('passes over an offset one of whose ports another process listens on, naming it', async () => {
    const blocker = await listen(platformPorts(A)['regulator chaincodeServer']);
    try {
      const lease = await leasePortOffset([A, B], { dir });
      expect(lease.offset).toBe(B);
      expect(existsSync(join(dir, `gridledger-ports-${A}.lease`))).toBe(false); // not kept for an offset it cannot use
      lease.release();
      await expect(leasePortOffset([A], { dir })).rejects.toThrow(`+${A}: port ${A + 9055} (regulator chaincodeServer) taken`);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });
});

describe('a start whose port was taken between the check and the bind', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-ports-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is started again when the process logged EADDRINUSE during this attempt', async () => {
    const log = join(dir, 'server.log');
    let calls = 0;
    const result = await retryOnPortTaken(log, 3, async () => {
      calls++;
      if (calls === 1) {
        appendFileSync(log, 'Error: listen EADDRINUSE: address already in use 127.0.0.1:29055\n');
        throw new Error('exited during start');
      }
      return 'listening';
    });
    expect(result).toBe('listening');
    expect(calls).toBe(2);
  });

  it('is not started again for any other failure, nor for an EADDRINUSE an earlier start logged', async () => {
    const log = join(dir, 'server.log');
    writeFileSync(log, 'Error: listen EADDRINUSE (yesterday)\n');
    let calls = 0;
    const failing = () =>
      retryOnPortTaken(log, 3, async () => {
        calls++;
        appendFileSync(log, 'TLS key not found\n');
        throw new Error('exited during start');
      });
    await expect(failing()).rejects.toThrow('exited during start');
    expect(calls).toBe(1);
  });

  it('gives up after the last attempt with its error', async () => {
    const log = join(dir, 'server.log');
    let calls = 0;
    const taken = () =>
      retryOnPortTaken(log, 2, async () => {
        calls++;
        appendFileSync(log, 'address already in use\n');
        throw new Error(`attempt ${calls}`);
      });
    await expect(taken()).rejects.toThrow('attempt 2');
    expect(calls).toBe(2);
  });
});
