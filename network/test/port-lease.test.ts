import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { leasePortOffset, platformPorts, RUN_OFFSETS, startOnFreeOffset } from '../src/port-lease';

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

describe('starting a platform on a free offset', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gl-ports-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('cleans up and starts once more on the next offset when a port was taken during the start', async () => {
    const calls: string[] = [];
    const { lease, started } = await startOnFreeOffset(
      async (offset) => {
        calls.push(`start +${offset}`);
        if (offset === A)
          throw new Error('chaincode.regulator exited during start: listen EADDRINUSE: address already in use 127.0.0.1:11255');
        return `up on +${offset}`;
      },
      async (offset) => {
        calls.push(`clean up +${offset}`);
      },
      { candidates: [A, B], dir },
    );
    expect(started).toBe(`up on +${B}`);
    expect(lease.offset).toBe(B);
    expect(calls).toEqual([`start +${A}`, `clean up +${A}`, `start +${B}`]);
    expect(existsSync(join(dir, `gridledger-ports-${A}.lease`))).toBe(false);
    lease.release();
  });

  it('cleans up and gives up at once for any other failure, and for a fixed offset', async () => {
    const calls: string[] = [];
    const failing = (message: string, o: { candidates?: number[]; fixed?: number }) =>
      startOnFreeOffset(
        async (offset) => {
          calls.push(`start +${offset}`);
          throw new Error(message);
        },
        async (offset) => {
          calls.push(`clean up +${offset}`);
        },
        { ...o, dir },
      );
    await expect(failing('TLS key not found', { candidates: [A, B] })).rejects.toThrow('TLS key not found');
    await expect(failing('port 11255 is taken by another process', { fixed: A })).rejects.toThrow('taken by another process');
    expect(calls).toEqual([`start +${A}`, `clean up +${A}`, `start +${A}`, `clean up +${A}`]);
    expect(existsSync(join(dir, `gridledger-ports-${A}.lease`))).toBe(false);
  });

  it('tries a second offset once only', async () => {
    let starts = 0;
    const taken = startOnFreeOffset(
      async () => {
        starts++;
        throw new Error('listen EADDRINUSE');
      },
      async () => undefined,
      { candidates: [A, B], dir },
    );
    await expect(taken).rejects.toThrow('EADDRINUSE');
    expect(starts).toBe(2);
  });
});
