import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, portFree } from './proc';
import { bridgePort, mqttPort, ORGS, orgPorts } from './profile';

/** Every port on 127.0.0.1 that a platform at `offset` may listen on (both consensus options). */
export function platformPorts(offset: number): Record<string, number> {
  const ports: Record<string, number> = { 'MQTT broker': mqttPort(offset), 'device bridge': bridgePort(offset) };
  for (const org of ORGS) {
    for (const [what, port] of Object.entries(orgPorts(org, offset))) ports[`${org} ${what}`] = port;
  }
  return ports;
}

export interface OffsetLease {
  offset: number;
  /** Gives the offset back; a lease whose holder has exited is taken over anyway. */
  release(): void;
}

const leaseFile = (dir: string, offset: number) => join(dir, `gridledger-ports-${offset}.lease`);

/** Takes the lease file for `offset` unless a live process holds it (exclusive create, so two runs cannot both win). */
function tryLease(dir: string, offset: number, holder: number): boolean {
  const file = leaseFile(dir, offset);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${holder}\n`, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let pid = NaN;
    try {
      pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
    } catch {
      /* released meanwhile */
    }
    if (Number.isSafeInteger(pid) && pid > 0 && isAlive(pid)) return false;
    rmSync(file, { force: true }); // the holder has exited without releasing it
  }
  return false;
}

/**
 * Picks the first offset of `candidates` that no live run has leased and whose ports are all
 * free, and leases it to `holder` (default: this process). Test runs and benchmarks use it so
 * that two of them on one machine, or one beside a development platform or the remains of a
 * killed run, never start nodes on the same ports.
 */
export async function leasePortOffset(candidates: readonly number[], o: { holder?: number; dir?: string } = {}): Promise<OffsetLease> {
  const dir = o.dir ?? tmpdir();
  const holder = o.holder ?? process.pid;
  const refused: string[] = [];
  for (const offset of candidates) {
    if (!tryLease(dir, offset, holder)) {
      refused.push(`+${offset}: leased by another run`);
      continue;
    }
    const taken: string[] = [];
    for (const [what, port] of Object.entries(platformPorts(offset))) if (!(await portFree(port))) taken.push(`${port} (${what})`);
    const release = () => rmSync(leaseFile(dir, offset), { force: true });
    if (taken.length === 0) return { offset, release };
    release();
    refused.push(`+${offset}: port ${taken.slice(0, 3).join(', ')}${taken.length > 3 ? ` and ${taken.length - 3} more` : ''} taken`);
  }
  throw new Error(`no free port offset for the platform: ${refused.join('; ')}`);
}

/** Offsets that test runs and benchmarks choose from (each range apart from the others and below the kernel's ephemeral ports). */
export const RUN_OFFSETS = [20000, 10000, 5000, 15000] as const;

const portTaken = (e: unknown) => /EADDRINUSE|address already in use|is taken by another process/.test(String((e as Error)?.message));

/**
 * Runs `start` on a leased offset (or on `fixed`, neither leased nor retried). When it fails,
 * `cleanUp` stops what came up; when the failure was a port taken all the same (between the
 * lease's check and a node's bind), it goes once more on the next free offset.
 */
export async function startOnFreeOffset<T>(
  start: (offset: number) => Promise<T>,
  cleanUp: (offset: number) => Promise<void>,
  o: { candidates?: readonly number[]; fixed?: number; dir?: string } = {},
): Promise<{ lease: OffsetLease; started: T }> {
  const passedOver: number[] = [];
  for (;;) {
    const lease =
      o.fixed !== undefined
        ? { offset: o.fixed, release: () => undefined }
        : await leasePortOffset(
            (o.candidates ?? RUN_OFFSETS).filter((c) => !passedOver.includes(c)),
            o,
          );
    try {
      return { lease, started: await start(lease.offset) };
    } catch (e) {
      await cleanUp(lease.offset);
      lease.release();
      if (o.fixed !== undefined || passedOver.length > 0 || !portTaken(e)) throw e;
      passedOver.push(lease.offset);
    }
  }
}
