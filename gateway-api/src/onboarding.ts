import { createHash, randomBytes } from 'node:crypto';
import type { WalletUser } from '@gridledger/network';
import { canonicalJson, isDisplayName, isReservedParticipantId, MAX_DISPLAY_NAME, type Role } from '@gridledger/core/core';
import { catalogue } from '@gridledger/core/catalogue';
import { call } from './call';
import { ErrorCodes, GridLedgerError, httpStatusOf } from './errors';
import { readJsonFile, withFileLock, writeFileAtomic } from './files';
import { ApiKeyStore, keyIdOf } from './keys';
import type { CaPort, LedgerPort, Wallet } from './ports';

export interface NewParticipant {
  participantId: string;
  /** One of ROLES: the OpenAPI document's enum checked it. */
  role: Role;
  displayName?: string;
}

export interface Onboarded {
  participant: Record<string, unknown>;
  /** The participant's API key; it exists nowhere else. */
  apiKey: string;
  /** The API key's public id and expiry. */
  keyId: string;
  expiresAt: string;
  txId?: string;
  /**
   * Set when a retry arrived after the gateway restarted: the first key was never kept in clear,
   * so it is revoked and this new one replaces it.
   */
  apiKeyReissued?: boolean;
}

type Step = 'started' | 'registered' | 'enrolled' | 'recorded' | 'done';

/** What is kept of an onboarding under an Idempotency-Key, so that a retry resumes or repeats it. */
export interface OnboardingRecord {
  fingerprint: string;
  participantId: string;
  step: Step;
  /** The enrollment secret, kept only until the identity is enrolled. */
  secret?: string;
  txId?: string;
  apiKeySha256?: string;
  participant?: Record<string, unknown>;
  updatedAt: string;
}

export interface OnboardingStore {
  get(key: string): OnboardingRecord | undefined;
  put(key: string, record: OnboardingRecord): void;
}

export class MemoryOnboardingStore implements OnboardingStore {
  readonly records = new Map<string, OnboardingRecord>();
  get(key: string) {
    return this.records.get(key);
  }
  put(key: string, record: OnboardingRecord) {
    this.records.set(key, { ...record });
  }
}

/** `<stateDir>/gateway/<org>/onboarding.json`, mode 0600, written atomically. */
export class FileOnboardingStore implements OnboardingStore {
  constructor(readonly path: string) {}
  get(key: string): OnboardingRecord | undefined {
    return readJsonFile<Record<string, OnboardingRecord>>(this.path, {})[key];
  }
  put(key: string, record: OnboardingRecord): void {
    withFileLock(this.path, () => {
      const all = readJsonFile<Record<string, OnboardingRecord>>(this.path, {});
      all[key] = record;
      writeFileAtomic(this.path, `${JSON.stringify(all, null, 2)}\n`);
    });
  }
}

export interface OnboardingDeps {
  ca: CaPort;
  ledger: LedgerPort;
  wallet: Wallet;
  keys: ApiKeyStore;
  store: OnboardingStore;
  mspId: string;
  /** The fabric-ca-client home an identity is enrolled into. */
  homeOf(participantId: string): string;
  /** Deletes the enrolled home of an identity (its key) when an onboarding is undone. */
  removeHome?(participantId: string): void;
  /** How long a completed result (with its key in clear) is repeated from memory. */
  replayMs?: number;
  /**
   * The channel's organizations (MSP ids) whose peers must hold a new participant before its key is
   * answered, and how long that may take at most (then the answer goes out anyway). None: no wait.
   */
  channelMspIds?: readonly string[];
  visibleWaitMs?: number;
}

/**
 * Onboards a participant: registers it at the organization's CA (gl.role, gl.id), enrolls it into
 * the wallet, records it on the ledger as the calling operator, and issues its API key. Under an
 * Idempotency-Key each step is recorded as it completes, so that a retry (even after a crash)
 * resumes where the first attempt stopped and a repeated request yields the same participant.
 */
export class Onboarding {
  private readonly recent = new Map<string, { fingerprint: string; result: Promise<Onboarded>; at: number }>();

  constructor(private readonly deps: OnboardingDeps) {}

  async onboard(caller: WalletUser, request: NewParticipant, idempotencyKey?: string): Promise<Onboarded> {
    const fingerprint = createHash('sha256').update(canonicalJson(request)).digest('hex');
    if (idempotencyKey === undefined) return this.run(undefined, undefined, fingerprint, caller, request);

    const key = createHash('sha256').update(`${caller.id}\n${idempotencyKey}`).digest('hex');
    this.forgetOld();
    const recent = this.recent.get(key);
    const stored = recent ? undefined : this.deps.store.get(key);
    const known = recent?.fingerprint ?? stored?.fingerprint;
    if (known !== undefined && known !== fingerprint) {
      throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'Idempotency-Key was used before with a different request', {
        path: 'Idempotency-Key',
      });
    }
    if (recent) return recent.result;
    const result = this.run(key, stored, fingerprint, caller, request);
    this.recent.set(key, { fingerprint, result, at: Date.now() });
    result.catch(() => this.recent.delete(key));
    return result;
  }

  private forgetOld(): void {
    const horizon = Date.now() - (this.deps.replayMs ?? 24 * 3600_000);
    for (const [k, v] of this.recent) if (v.at < horizon) this.recent.delete(k);
  }

  private async run(
    key: string | undefined,
    stored: OnboardingRecord | undefined,
    fingerprint: string,
    caller: WalletUser,
    request: NewParticipant,
  ): Promise<Onboarded> {
    const { ca, ledger, wallet, keys, store, mspId } = this.deps;
    const fresh = (): OnboardingRecord => ({
      fingerprint,
      participantId: request.participantId,
      step: 'started',
      secret: randomBytes(24).toString('base64url'),
      updatedAt: '',
    });
    const record: OnboardingRecord = stored ? { ...stored } : fresh();
    const save = (step: Step) => {
      record.step = step;
      record.updatedAt = new Date().toISOString();
      if (key !== undefined) store.put(key, record);
    };

    const id = request.participantId;
    if (record.step === 'started') {
      // Nothing reaches the CA that the ledger would refuse: the rules it checks, and the id free.
      checkNewParticipant(request);
      await this.requireFreeOnLedger(caller, id);
      save('started');
      try {
        await ca.register({ id, secret: record.secret!, role: request.role, type: 'client' });
      } catch (e) {
        // Resuming our own attempt: the registration went through before the answer was lost.
        if (!(stored !== undefined && e instanceof GridLedgerError && e.code === ErrorCodes.PARTICIPANT_EXISTS)) throw e;
      }
      save('registered');
    }
    if (record.step === 'registered') {
      const enrollment = await ca.enroll(id, record.secret!, this.deps.homeOf(id));
      wallet.put({ id, mspId, role: request.role, participantId: id, certPath: enrollment.certPath, keyPath: enrollment.keyPath });
      delete record.secret;
      save('enrolled');
    }
    if (record.step === 'enrolled') {
      const onLedger = { participantId: id, role: request.role, ...(request.displayName ? { displayName: request.displayName } : {}) };
      try {
        const { result, txId } = await call(ledger, caller, catalogue.registry.registerParticipant, [onLedger]);
        record.txId = txId;
        record.participant = isObject(result) ? result : { ...onLedger, mspId };
      } catch (e) {
        if (!(e instanceof GridLedgerError)) throw e;
        // PARTICIPANT_EXISTS is our own registration only when the ledger's record is what we sent,
        // for our MSP, by this caller: an answer lost on the way. Anyone else's participant is not
        // taken over (a CA can give any gl.id; the chaincode refuses the identity, and so do we).
        const ours = e.code === ErrorCodes.PARTICIPANT_EXISTS ? await this.ownRegistration(caller, onLedger) : undefined;
        if (ours !== undefined) record.participant = ours;
        else {
          if (httpStatusOf(e.code) < 500) {
            await this.undo(id);
            Object.assign(record, fresh());
            save('started');
          }
          throw e;
        }
      }
      save('recorded');
      await this.untilEveryPeerHolds(caller, id);
    }
    // 'recorded', or 'done' after a restart (the first key was only ever in memory): issue a key.
    const reissued = record.step === 'done';
    if (record.apiKeySha256) keys.revoke(keyIdOf(record.apiKeySha256));
    const { apiKey, record: issued } = keys.issue(id);
    record.apiKeySha256 = issued.sha256;
    save('done');
    return {
      participant: record.participant ?? { participantId: id, role: request.role, mspId },
      apiKey,
      keyId: issued.keyId,
      expiresAt: issued.expiresAt,
      ...(record.txId ? { txId: record.txId } : {}),
      ...(reissued ? { apiKeyReissued: true } : {}),
    };
  }

  /**
   * Waits until every organization's peer holds the new participant. Each gateway reads, and the
   * household's transactions are endorsed, at peers of several organizations; one a block behind
   * the peer that committed the registration refused the household's first transaction (a meter
   * registered right after its key: ACCESS_DENIED, "which is not registered", requireOwnParticipant).
   * Bounded by visibleWaitMs; a peer that cannot be asked is not waited for.
   */
  private async untilEveryPeerHolds(caller: WalletUser, id: string): Promise<void> {
    const deadline = Date.now() + (this.deps.visibleWaitMs ?? 15_000);
    for (const mspId of this.deps.channelMspIds ?? []) {
      for (;;) {
        try {
          await call(this.deps.ledger, caller, catalogue.registry.getParticipant, [id], { endorsingOrganizations: [mspId] });
          break;
        } catch (e) {
          if (!(e instanceof GridLedgerError && e.code === ErrorCodes.PARTICIPANT_NOT_FOUND) || Date.now() > deadline) return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
  }

  /** PARTICIPANT_EXISTS, before the CA is asked, when the ledger has the id already. */
  private async requireFreeOnLedger(caller: WalletUser, id: string): Promise<void> {
    try {
      await call(this.deps.ledger, caller, catalogue.registry.getParticipant, [id]);
    } catch (e) {
      if (e instanceof GridLedgerError && e.code === ErrorCodes.PARTICIPANT_NOT_FOUND) return;
      throw e;
    }
    throw new GridLedgerError(ErrorCodes.PARTICIPANT_EXISTS, `participant ${id} is already registered`, { participantId: id });
  }

  /** The ledger's record of the participant when it is the one this caller would have written. */
  private async ownRegistration(
    caller: WalletUser,
    sent: { participantId: string; role: string; displayName?: string },
  ): Promise<Record<string, unknown> | undefined> {
    const found: unknown = await call(this.deps.ledger, caller, catalogue.registry.getParticipant, [sent.participantId]);
    if (!isObject(found)) return undefined;
    const same =
      found.mspId === this.deps.mspId &&
      found.role === sent.role &&
      found.displayName === sent.displayName &&
      found.registeredBy === (caller.participantId ?? caller.id);
    return same ? found : undefined;
  }

  /** Undoes the CA and wallet steps of an onboarding the ledger refused: no identity, key or wallet entry is left, the id is free. */
  private async undo(id: string): Promise<void> {
    this.deps.wallet.remove(id);
    await this.deps.ca.remove(id);
    this.deps.removeHome?.(id);
  }
}

/** The ledger's rules for a new participant that can be checked before the CA: reserved ids, display names. */
export function checkNewParticipant(request: NewParticipant): void {
  if (isReservedParticipantId(request.participantId)) {
    throw new GridLedgerError(ErrorCodes.PARTICIPANT_ID_INVALID, `participantId ${request.participantId} is reserved for the platform`, {
      path: 'participantId',
    });
  }
  if (request.displayName !== undefined && !isDisplayName(request.displayName)) {
    throw new GridLedgerError(
      ErrorCodes.REQUEST_INVALID,
      `displayName must be 1 to ${MAX_DISPLAY_NAME} visible characters without control or formatting characters, and no space at either ` +
        `end`,
      {
        path: 'displayName',
      },
    );
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
