import type { WalletUser } from '@gridledger/network';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import {
  AppDeps,
  CaEnrollment,
  CaPort,
  CaRegistration,
  EvaluateOptions,
  EventStream,
  LedgerEvent,
  LedgerPort,
  SubmitOptions,
  listen,
  Logger,
  MemoryApiKeyStore,
  MemoryOnboardingStore,
  MemoryWallet,
  PeerStatus,
  RunningGateway,
  SubmitResult,
} from '../../src';

export interface LedgerCall {
  kind: 'evaluate' | 'submit';
  user: string;
  fn: string;
  args: string[];
  /** A submission's transient fields and endorsing organizations; an evaluation's organizations. */
  options?: SubmitOptions & EvaluateOptions;
}

/** An in-memory ledger: records calls, answers through replaceable handlers, replays events. */
export class FakeLedger implements LedgerPort {
  calls: LedgerCall[] = [];
  evaluateHandler: (fn: string, args: string[], user: WalletUser, options?: EvaluateOptions) => unknown = () => ({});
  submitHandler: (fn: string, args: string[], user: WalletUser) => unknown = () => ({});
  height = 42n;
  peer: PeerStatus = { ok: true };
  heightError?: unknown;
  /** The chain's chaincode events, in commit order. */
  events: LedgerEvent[] = [];
  /** Each opened event stream: its start block. */
  opened: (bigint | undefined)[] = [];
  /** Fail the n-th opened stream (0-based) after it delivered this many events. */
  failStream = new Map<number, number>();
  private txCounter = 0;

  async evaluate(user: WalletUser, fn: string, args: string[], options?: EvaluateOptions): Promise<unknown> {
    this.calls.push({ kind: 'evaluate', user: user.id, fn, args, ...(options !== undefined ? { options } : {}) });
    return this.evaluateHandler(fn, args, user, options);
  }

  async submit(user: WalletUser, fn: string, args: string[], options?: SubmitOptions): Promise<SubmitResult> {
    this.calls.push({ kind: 'submit', user: user.id, fn, args, ...(options !== undefined ? { options } : {}) });
    const result = await this.submitHandler(fn, args, user);
    return { result, txId: `tx-${++this.txCounter}`, blockNumber: this.height };
  }

  async chaincodeEvents(_user: WalletUser, startBlock?: bigint): Promise<EventStream> {
    const index = this.opened.length;
    this.opened.push(startBlock);
    const failAfter = this.failStream.get(index);
    const events = this.events.filter((e) => startBlock === undefined || e.blockNumber >= startBlock);
    let release: () => void = () => undefined;
    const closed = new Promise<void>((r) => (release = r));
    return {
      async *[Symbol.asyncIterator]() {
        let delivered = 0;
        for (const e of events) {
          if (failAfter !== undefined && delivered === failAfter) {
            throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'peer went away');
          }
          yield e;
          delivered++;
        }
        await closed; // a live stream stays open until closed
      },
      close: () => release(),
    };
  }

  async blockHeight(): Promise<bigint> {
    if (this.heightError) throw this.heightError;
    return this.height;
  }

  async peerStatus(): Promise<PeerStatus> {
    return this.peer;
  }

  close(): void {}
}

export class FakeCa implements CaPort {
  registered = new Map<string, CaRegistration>();
  registerCalls = 0;
  enrollCalls = 0;

  async register(identity: CaRegistration): Promise<void> {
    this.registerCalls++;
    if (this.registered.has(identity.id)) {
      throw new GridLedgerError(ErrorCodes.PARTICIPANT_EXISTS, 'identity already registered at the CA', { caCode: 74 });
    }
    this.registered.set(identity.id, identity);
  }

  removed: string[] = [];
  async remove(id: string): Promise<void> {
    this.removed.push(id);
    this.registered.delete(id);
  }

  async enroll(id: string, secret: string, home: string): Promise<CaEnrollment> {
    this.enrollCalls++;
    const r = this.registered.get(id);
    if (!r || r.secret !== secret) throw new GridLedgerError(ErrorCodes.CA_REQUEST_FAILED, 'enrollment refused', { caCode: 20 });
    return { certPath: `${home}/msp/signcerts/cert.pem`, keyPath: `${home}/msp/keystore/key.pem` };
  }
}

export const user = (id: string, role?: string, participantId = id): WalletUser => ({
  id,
  mspId: 'CommunityMSP',
  ...(role ? { role, participantId } : {}),
  certPath: `/wallet/${id}/cert.pem`,
  keyPath: `/wallet/${id}/key.pem`,
});

export class CapturingLogger implements Logger {
  lines: Record<string, unknown>[] = [];
  private push(level: string, fields: Record<string, unknown> | string, msg?: string) {
    this.lines.push({ level, ...(typeof fields === 'string' ? { msg: fields } : fields), ...(msg !== undefined ? { msg } : {}) });
  }
  info(fields: Record<string, unknown> | string, msg?: string) {
    this.push('info', fields, msg);
  }
  warn(fields: Record<string, unknown> | string, msg?: string) {
    this.push('warn', fields, msg);
  }
  error(fields: Record<string, unknown> | string, msg?: string) {
    this.push('error', fields, msg);
  }
}

export interface Harness extends RunningGateway {
  ledger: FakeLedger;
  ca: FakeCa;
  keys: MemoryApiKeyStore;
  wallet: MemoryWallet;
  log: CapturingLogger;
  deps: AppDeps;
  /** API keys of the standard users: operator op-1, prosumers alice and bob, admin. */
  key: Record<'operator' | 'alice' | 'bob' | 'admin' | 'bridge', string>;
  fetch(path: string, init?: RequestInit & { key?: string; json?: unknown }): Promise<Response>;
}

export async function startHarness(overrides: Partial<AppDeps> = {}): Promise<Harness> {
  const ledger = new FakeLedger();
  const ca = new FakeCa();
  const keys = new MemoryApiKeyStore();
  const wallet = new MemoryWallet();
  const log = new CapturingLogger();
  for (const u of [
    user('op-1', 'operator'),
    user('alice', 'prosumer'),
    user('bob', 'prosumer'),
    user('admin'),
    user('bridge-1', 'meter-bridge'),
  ]) {
    wallet.put(u);
  }
  const key = {
    operator: keys.issue('op-1').apiKey,
    alice: keys.issue('alice').apiKey,
    bob: keys.issue('bob').apiKey,
    admin: keys.issue('admin').apiKey,
    bridge: keys.issue('bridge-1').apiKey,
  };
  const deps: AppDeps = {
    ledger,
    ca,
    keys,
    wallet,
    onboardingStore: new MemoryOnboardingStore(),
    info: {
      org: 'community',
      mspId: 'CommunityMSP',
      channel: 'energy',
      chaincode: 'gridledger',
      fabricVersion: '3.1.1',
      peerEndpoint: '127.0.0.1:8051',
    },
    homeOf: (id) => `/state/orgs/community/users/${id}`,
    log,
    sse: { heartbeatMs: 60_000, reconnectMs: 10 },
    ...overrides,
  };
  const running = await listen(deps);
  return {
    ...running,
    ledger,
    ca,
    keys,
    wallet,
    log,
    deps,
    key,
    fetch: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.key !== undefined) headers.set('Authorization', `Bearer ${init.key}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set('Content-Type', 'application/json');
        body = typeof init.json === 'string' ? init.json : JSON.stringify(init.json);
      }
      return fetch(`${running.url}${path}`, { ...init, headers, body });
    },
  };
}
