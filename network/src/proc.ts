import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { dirname } from 'node:path';

/**
 * Native processes that outlive the command that started them (`npm run up` returns while the
 * nodes run on), each with a pid file and a log file, so that `down` stops exactly what `up`
 * started and nothing else on the machine.
 */

export interface ProcessSpec {
  /** A short name for messages, e.g. `peer.utility`. */
  name: string;
  command: string;
  args: string[];
  /** The whole environment of the process: nothing is inherited that is not listed here. */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user and group instead of the caller (e.g. the broker when the caller is root). */
  runAs?: { uid: number; gid: number };
  pidFile: string;
  logFile: string;
  /** Run in this network namespace (`ip netns exec`, netns.ts); the pid file still names `command`. */
  netns?: string;
}

/**
 * The environment of the platform's own node services (gateways, bridge, simulator): PATH and the
 * caller's `GRIDLEDGER_*` settings (e.g. `GRIDLEDGER_MARKET_TICK_MS` for the gateways), nothing else.
 */
export function serviceEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => name === 'PATH' || name.startsWith('GRIDLEDGER_')));
}

/** Starts a detached process with its output in logFile; throws (and writes no pid file) if it cannot start. */
export async function startProcess(spec: ProcessSpec): Promise<number> {
  if (!existsSync(spec.command)) throw new Error(`${spec.name}: ${spec.command} does not exist`);
  mkdirSync(dirname(spec.logFile), { recursive: true });
  mkdirSync(dirname(spec.pidFile), { recursive: true });
  const log = openSync(spec.logFile, 'a', 0o600);
  try {
    const [command, args] = spec.netns
      ? ['/usr/sbin/ip', ['netns', 'exec', spec.netns, spec.command, ...spec.args]]
      : [spec.command, spec.args];
    const child = spawn(command, args, {
      env: Object.fromEntries(Object.entries(spec.env).filter(([, v]) => v !== undefined)) as Record<string, string>,
      cwd: spec.cwd,
      ...(spec.runAs ?? {}),
      detached: true,
      stdio: ['ignore', log, log],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (e) => reject(new Error(`${spec.name}: cannot start ${spec.command}: ${e.message}`)));
      child.once('spawn', () => resolve(child.pid!));
    });
    child.unref();
    writeFileSync(spec.pidFile, `${pid}\n${spec.command}\n`, { mode: 0o600 });
    return pid;
  } finally {
    closeSync(log);
  }
}

/** The pid in a pid file if that process is alive and still runs the command the file names. */
export function runningPid(pidFile: string): number | undefined {
  if (!existsSync(pidFile)) return undefined;
  const [pidText, command] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidText);
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  return isAlive(pid) && runsCommand(pid, command) ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by its parent) still answers signal 0.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** Guards against a pid reused by another program after ours exited. */
function runsCommand(pid: number, command: string | undefined): boolean {
  if (!command) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(command);
  } catch {
    return false;
  }
}

/** Stops the process of a pid file (SIGTERM, then SIGKILL after graceMs) and removes the file. */
export async function stopProcess(pidFile: string, graceMs = 10_000): Promise<boolean> {
  const pid = runningPid(pidFile);
  rmSync(pidFile, { force: true });
  if (pid === undefined) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
      break;
    }
    await sleep(100);
  }
  while (isAlive(pid)) await sleep(50);
  return true;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when nothing listens on 127.0.0.1:port (we can bind it). */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Throws naming the first port that is taken, and what should have used it. */
export async function assertPortsFree(ports: Record<string, number>, graceMs = 5000): Promise<void> {
  for (const [what, port] of Object.entries(ports)) {
    // A process of ours that has just been stopped may hold its port for a moment longer.
    const deadline = Date.now() + graceMs;
    while (!(await portFree(port)) && Date.now() < deadline) await sleep(200);
    if (!(await portFree(port))) {
      throw new Error(`port ${port} (${what}) on 127.0.0.1 is taken by another process; stop it or set GRIDLEDGER_PORT_OFFSET`);
    }
  }
}

/** GET url answers 200. */
export function httpOk(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/**
 * Waits until `url` answers 200 while the process `pid` is alive: a stale process of an earlier
 * run answering on the same port does not count once ours has exited.
 */
export async function waitHealthy(name: string, url: string, pid: number, logFile: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid)) throw new Error(`${name} exited during start; see ${logFile}:\n${tail(logFile)}`);
    if (await httpOk(url)) {
      if (isAlive(pid)) return;
      throw new Error(`${name} exited during start; see ${logFile}:\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) throw new Error(`${name} not healthy at ${url} after ${timeoutMs} ms; see ${logFile}:\n${tail(logFile)}`);
    await sleep(150);
  }
}

export function tail(file: string, bytes = 3000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '(no log)';
  }
}

/** True when something accepts a TCP connection at host:port. */
export function accepting(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Waits until something accepts TCP connections on 127.0.0.1:port (or, for a node in a network
 * namespace, at host:port) while the process `pid` is alive.
 */
export async function waitListening(
  name: string,
  port: number,
  pid: number,
  logFile: string,
  timeoutMs = 60_000,
  host?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(pid)) throw new Error(`${name} exited during start; see ${logFile}:\n${tail(logFile)}`);
    if (host === undefined ? !(await portFree(port)) : await accepting(host, port)) return;
    if (Date.now() > deadline) throw new Error(`${name} not listening on ${port} after ${timeoutMs} ms; see ${logFile}`);
    await sleep(150);
  }
}
