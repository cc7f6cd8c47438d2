import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { BrokerAdmin, prepareBroker, type MqttEndpoint } from '@gridledger/network';

export interface MosquittoBroker {
  pid: number;
  configPath: string;
  /** mqtts:// URL and the CA certificate that signed the broker's. */
  endpoint: MqttEndpoint;
  /** The broker's administration (credentials and roles); closed by stop() and kill(). */
  admin: BrokerAdmin;
  /** Stops the broker; Mosquitto writes its persistence database on the way out. */
  stop(): Promise<void>;
  /** Ends the process with SIGKILL, as a crash would (for tests). */
  kill(): Promise<void>;
}

export interface MosquittoOptions {
  port: number;
  /** A state directory of its own: `<dataDir>/broker` (config, persistence, log) and `<dataDir>/mqtt` (CA, admin credential). */
  dataDir: string;
  /** The mosquitto binary (default: `mosquitto` on PATH, as the Debian package installs it). */
  bin?: string;
  /** Seconds between saves of the persistence database (default 1). */
  autosaveSeconds?: number;
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((done) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        done(true);
      });
      socket.once('error', () => done(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/**
 * Starts the Debian `mosquitto` as the platform runs it (network/src/broker.ts: TLS, no anonymous
 * clients, the dynamic-security plugin, persistence; not as root) as a child of this process,
 * and resolves once its administration answers. For tests and tools; `npm run up` starts its own.
 */
export async function startMosquitto(options: MosquittoOptions): Promise<MosquittoBroker> {
  const dataDir = resolve(options.dataDir);
  const brokerDir = join(dataDir, 'broker');
  const prepared = prepareBroker({
    stateDir: dataDir,
    port: options.port,
    brokerDir,
    pidFile: join(brokerDir, 'mosquitto.pid'),
    autosaveSeconds: options.autosaveSeconds,
  });
  const logFile = join(dataDir, 'mosquitto.log');
  const log = openSync(logFile, 'a');
  const child = spawn(options.bin ?? 'mosquitto', ['-c', prepared.configPath], { stdio: ['ignore', log, log], ...(prepared.runAs ?? {}) });
  closeSync(log);
  const exited = new Promise<never>((_, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`mosquitto exited (${code ?? signal}); see ${logFile}`)));
  });
  exited.catch(() => {});
  await Promise.race([waitForPort(options.port), exited]);
  if (child.pid === undefined) throw new Error('mosquitto did not start');
  const pid = child.pid;
  const admin = await Promise.race([BrokerAdmin.connect(prepared.endpoint, prepared.admin, `admin-${pid}-${Date.now()}`), exited]);
  const end = async (signal: NodeJS.Signals) => {
    await admin.close().catch(() => undefined);
    if (!alive(pid)) return;
    process.kill(pid, signal);
    if (!(await waitForExit(pid, 10_000))) {
      process.kill(pid, 'SIGKILL');
      await waitForExit(pid, 5_000);
    }
  };
  return {
    pid,
    configPath: prepared.configPath,
    endpoint: prepared.endpoint,
    admin,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
  };
}
