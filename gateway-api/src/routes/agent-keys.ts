/**
 * Agent keys (docs/security.md, "Agent identities"): an owner (a household's own key) asks for an
 * API key of its trading agent. The gateway signs the agent's requests with the agent identity,
 * `<participantId>.agent` at the organization's CA: the owner's gl.id and gl.role and
 * gl.agent=true, registered and enrolled at the first key as onboarding enrolls a participant.
 * Keys are shown once and stored hashed (keys.ts); the owner lists and revokes them here.
 */
import { createHash, randomBytes } from 'node:crypto';
import express, { Response } from 'express';
import { agentEnrollmentId, type WalletUser } from '@gridledger/network';
import { canonicalJson, isSelfActing } from '@gridledger/core/core';
import { callerOf, denied } from '../access';
import { ErrorCodes, GridLedgerError } from '../errors';
import { ApiKeyStore, DEFAULT_KEY_DAYS, expiryIn } from '../keys';
import type { CaPort, Logger, Wallet } from '../ports';
import { manages, publicView } from './api-keys';

export interface AgentKeyDeps {
  ca: CaPort;
  wallet: Wallet;
  keys: ApiKeyStore;
  mspId: string;
  /** The fabric-ca-client home an identity is enrolled into. */
  homeOf(userId: string): string;
  log: Logger;
  /** How long an issued key is answered again to a retry with its Idempotency-Key. */
  replayMs?: number;
}

interface IssuedAgentKey {
  apiKey: string;
  keyId: string;
  expiresAt: string;
  userId: string;
  participantId: string;
}

/** The owner itself: a household's own identity (not an agent's) acting for its own participant. */
function requireOwner(caller: WalletUser, participantId: string): void {
  if (!isSelfActing(caller.role) || caller.participantId !== participantId || caller.agent === true)
    throw denied("an agent key is issued to its owner's own key only", { participantId });
}

export function agentKeyRoutes(deps: AgentKeyDeps): express.Router {
  const { ca, wallet, keys, log } = deps;
  const r = express.Router();
  const recent = new Map<string, { fingerprint: string; result: Promise<IssuedAgentKey>; at: number }>();
  /** One enrollment at a time per agent identity: two first keys at once must not both register it. */
  const enrolling = new Map<string, Promise<WalletUser>>();

  /** The agent identity in the wallet, registered and enrolled at the CA when it is not there yet. */
  const agentIdentity = (owner: WalletUser, participantId: string): Promise<WalletUser> => {
    const id = agentEnrollmentId(participantId);
    const known = wallet.get(id);
    if (known !== undefined) return Promise.resolve(known);
    const pending =
      enrolling.get(id) ??
      (async () => {
        const secret = randomBytes(24).toString('base64url');
        const registration = { id, secret, role: owner.role!, type: 'client' as const, participantId, agent: true };
        try {
          await ca.register(registration);
        } catch (e) {
          // Registered before, never enrolled (the gateway stopped in between; the secret was not kept): register it anew.
          if (!(e instanceof GridLedgerError && e.code === ErrorCodes.PARTICIPANT_EXISTS)) throw e;
          await ca.remove(id);
          await ca.register(registration);
        }
        const { certPath, keyPath } = await ca.enroll(id, secret, deps.homeOf(id));
        const user: WalletUser = { id, mspId: deps.mspId, role: owner.role, participantId, agent: true, certPath, keyPath };
        wallet.put(user);
        log.info({ msg: 'agent identity enrolled', userId: id, participantId });
        return user;
      })().finally(() => enrolling.delete(id));
    enrolling.set(id, pending);
    return pending;
  };

  const issue = async (owner: WalletUser, participantId: string, days: number): Promise<IssuedAgentKey> => {
    const expiresAt = expiryIn(days);
    const agent = await agentIdentity(owner, participantId);
    const { apiKey, record } = keys.issue(agent.id, expiresAt);
    return { apiKey, keyId: record.keyId, expiresAt: record.expiresAt, userId: agent.id, participantId };
  };

  r.post('/participants/:participantId/agent-keys', async (req, res) => {
    const caller = callerOf(res);
    const participantId = req.params.participantId as string;
    requireOwner(caller, participantId);
    const days = (req.body as { expiresInDays?: number } | undefined)?.expiresInDays ?? DEFAULT_KEY_DAYS;
    const idempotencyKey = req.get('Idempotency-Key');
    const fingerprint = canonicalJson({ participantId, days });
    const horizon = Date.now() - (deps.replayMs ?? 24 * 3600_000);
    for (const [k, v] of recent) if (v.at < horizon) recent.delete(k);
    const memoKey = idempotencyKey === undefined ? undefined : createHash('sha256').update(`${caller.id}\n${idempotencyKey}`).digest('hex');
    const earlier = memoKey === undefined ? undefined : recent.get(memoKey);
    if (earlier && earlier.fingerprint !== fingerprint)
      throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'Idempotency-Key was used before with a different request', {
        path: 'Idempotency-Key',
      });
    let result = earlier?.result;
    if (result === undefined) {
      result = issue(caller, participantId, days);
      if (memoKey !== undefined) {
        recent.set(memoKey, { fingerprint, result, at: Date.now() });
        result.catch(() => recent.delete(memoKey));
      }
      const issued = await result;
      log.info({ msg: 'agent key issued', keyId: res.locals.keyId, newKeyId: issued.keyId, userId: issued.userId, participantId });
    }
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json(await result);
  });

  /** The agent identity of `participantId` when the caller manages its keys: the owner, or an operator or utility. */
  const managedAgent = (res: Response, participantId: string): string => {
    const caller = callerOf(res);
    const id = agentEnrollmentId(participantId);
    const owner = caller.participantId === participantId && caller.agent !== true;
    if (!owner && !manages(caller, wallet.get(id) ?? wallet.get(participantId)))
      throw denied("the agent keys of a participant are its owner's", { participantId });
    return id;
  };

  r.get('/participants/:participantId/agent-keys', (req, res) => {
    const id = managedAgent(res, req.params.participantId as string);
    res.set('Cache-Control', 'no-store').json({ keys: keys.list(id).map((k) => publicView(k, res.locals.keyId as string)) });
  });

  r.delete('/participants/:participantId/agent-keys/:keyId', (req, res) => {
    const participantId = req.params.participantId as string;
    const id = managedAgent(res, participantId);
    const record = keys.get(req.params.keyId as string);
    if (record === undefined || record.userId !== id)
      throw new GridLedgerError(ErrorCodes.API_KEY_NOT_FOUND, `no agent key ${req.params.keyId}`, { keyId: req.params.keyId as string });
    keys.revoke(record.keyId);
    if (record.revokedAt === undefined)
      log.info({ msg: 'agent key revoked', keyId: res.locals.keyId, revokedKeyId: record.keyId, participantId, by: callerOf(res).id });
    res.status(204).end();
  });

  return r;
}
