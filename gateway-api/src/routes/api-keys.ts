/**
 * The API keys' life (docs/security.md, "API keys"): who presents which key (authenticate), and the
 * routes that list, rotate and revoke keys. A caller manages its own keys; an operator or utility
 * key may also list and revoke the keys of the households and meter bridges in its gateway's wallet.
 */
import { createHash } from 'node:crypto';
import express, { Request, Response } from 'express';
import type { WalletUser } from '@gridledger/network';
import { canonicalJson, isSelfActing } from '@gridledger/core/core';
import { callerOf, ONBOARDING_ROLES } from '../access';
import { ErrorCodes, GridLedgerError } from '../errors';
import { ApiKeyRecord, ApiKeyStore, DEFAULT_KEY_DAYS, expiryIn, IssuedKey, stateOf } from '../keys';
import type { Logger, Wallet } from '../ports';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The identity a request's `Authorization: Bearer <key>` names, or the error to answer. Sets
 * `res.locals.keyId` whenever the key is known, so the request's log line names it. A key a rotation
 * revoked is still taken for a retry of that very rotation (same path, same Idempotency-Key).
 */
export function authenticate(keys: ApiKeyStore, wallet: Wallet, req: Request, res: Response): WalletUser | GridLedgerError {
  const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  const found = m ? keys.lookup(m[1]) : undefined;
  const unknown = new GridLedgerError(ErrorCodes.UNAUTHENTICATED, 'a valid API key is required (Authorization: Bearer <key>)');
  if (!found) return unknown;
  const { record, state } = found;
  res.locals.keyId = record.keyId;
  res.locals.keyRecord = record;
  const idempotencyKey = req.get('Idempotency-Key');
  const rotationRetry =
    state === 'revoked' &&
    record.rotationKeySha256 !== undefined &&
    idempotencyKey !== undefined &&
    sha256(idempotencyKey) === record.rotationKeySha256 &&
    req.method === 'POST' &&
    req.path.endsWith(`/api-keys/${record.keyId}/rotate`);
  if (state === 'expired')
    return new GridLedgerError(ErrorCodes.API_KEY_EXPIRED, `API key ${record.keyId} expired at ${record.expiresAt}`, {
      keyId: record.keyId,
    });
  if (state === 'revoked' && !rotationRetry)
    return new GridLedgerError(ErrorCodes.API_KEY_REVOKED, `API key ${record.keyId} was revoked`, { keyId: record.keyId });
  return wallet.get(record.userId) ?? unknown;
}

/** Whether `caller` may list and revoke the keys of `owner`: its own, or, for an operator or utility, its wallet's households and
 * bridges. */
export function manages(caller: WalletUser, owner: WalletUser | undefined): boolean {
  if (owner === undefined) return false;
  if (owner.id === caller.id) return true;
  return (
    caller.role !== undefined &&
    ONBOARDING_ROLES.has(caller.role) &&
    owner.role !== undefined &&
    (isSelfActing(owner.role) || owner.role === 'meter-bridge')
  );
}

/** What a key's record shows: never its hash. */
export function publicView(record: ApiKeyRecord, presented: string | undefined) {
  return {
    keyId: record.keyId,
    userId: record.userId,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    state: stateOf(record),
    ...(record.revokedAt !== undefined ? { revokedAt: record.revokedAt } : {}),
    ...(record.replacedBy !== undefined ? { replacedBy: record.replacedBy } : {}),
    ...(record.keyId === presented ? { current: true } : {}),
  };
}

interface Rotated {
  apiKey: string;
  keyId: string;
  expiresAt: string;
  replaces: string;
  /** A retry after the gateway restarted: the first new key was never kept, so it is revoked and this one replaces it. */
  apiKeyReissued?: true;
}

const rotated = (issued: IssuedKey, replaces: string, reissued = false): Rotated => ({
  apiKey: issued.apiKey,
  keyId: issued.record.keyId,
  expiresAt: issued.record.expiresAt,
  replaces,
  ...(reissued ? { apiKeyReissued: true as const } : {}),
});

export function apiKeyRoutes(keys: ApiKeyStore, wallet: Wallet, log: Logger, replayMs = 24 * 3600_000): express.Router {
  const r = express.Router();
  /** Rotations under an Idempotency-Key, answered again from memory (the new key exists nowhere else). */
  const recent = new Map<string, { fingerprint: string; result: Rotated; at: number }>();

  const keyOf = (caller: WalletUser, keyId: string): ApiKeyRecord => {
    const record = keys.get(keyId);
    if (!record || !manages(caller, wallet.get(record.userId)))
      throw new GridLedgerError(ErrorCodes.API_KEY_NOT_FOUND, `no API key ${keyId}`, { keyId });
    return record;
  };

  r.get('/api-keys', (req, res) => {
    const caller = callerOf(res);
    const userId = (req.query.userId as string | undefined) ?? caller.id;
    const owner = wallet.get(userId);
    if (!manages(caller, owner))
      throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `the keys of ${userId} are not this caller's to see`, { userId });
    res.set('Cache-Control', 'no-store').json({ keys: keys.list(userId).map((k) => publicView(k, res.locals.keyId as string)) });
  });

  r.post('/api-keys/:keyId/rotate', (req, res) => {
    const caller = callerOf(res);
    const keyId = req.params.keyId as string;
    const old = keyOf(caller, keyId);
    // Rotation hands out a new key: only to the key's own identity.
    if (old.userId !== caller.id)
      throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'a key is rotated by its own identity only', { keyId });
    const days = (req.body as { expiresInDays?: number } | undefined)?.expiresInDays ?? DEFAULT_KEY_DAYS;
    const idempotencyKey = req.get('Idempotency-Key');
    const fingerprint = canonicalJson({ days });
    const memoKey = idempotencyKey === undefined ? undefined : `${keyId}\n${idempotencyKey}`;
    const horizon = Date.now() - replayMs;
    for (const [k, v] of recent) if (v.at < horizon) recent.delete(k);
    const earlier = memoKey === undefined ? undefined : recent.get(memoKey);
    if (earlier && earlier.fingerprint !== fingerprint) {
      throw new GridLedgerError(ErrorCodes.REQUEST_INVALID, 'Idempotency-Key was used before with a different request', {
        path: 'Idempotency-Key',
      });
    }
    let result = earlier?.result;
    if (result === undefined) {
      // authenticate() let a revoked key through only for a retry of the rotation that revoked it.
      const retry =
        old.revokedAt !== undefined &&
        old.rotationKeySha256 !== undefined &&
        idempotencyKey !== undefined &&
        sha256(idempotencyKey) === old.rotationKeySha256;
      if (old.revokedAt !== undefined && !retry)
        throw new GridLedgerError(ErrorCodes.API_KEY_REVOKED, `API key ${keyId} was revoked`, { keyId });
      const issued = keys.rotate(keyId, expiryIn(days), idempotencyKey === undefined ? undefined : sha256(idempotencyKey))!;
      result = rotated(issued, keyId, retry);
      if (memoKey !== undefined) recent.set(memoKey, { fingerprint, result, at: Date.now() });
      log.info({
        msg: 'api key rotated',
        keyId: res.locals.keyId,
        rotatedKeyId: keyId,
        newKeyId: result.keyId,
        userId: caller.id,
        expiresAt: result.expiresAt,
      });
    }
    res.status(201).set('Cache-Control', 'no-store').json(result);
  });

  r.delete('/api-keys/:keyId', (req, res) => {
    const caller = callerOf(res);
    const record = keyOf(caller, req.params.keyId as string);
    const revoked = keys.revoke(record.keyId)!;
    if (record.revokedAt === undefined)
      log.info({ msg: 'api key revoked', keyId: res.locals.keyId, revokedKeyId: record.keyId, userId: revoked.userId, by: caller.id });
    res.status(204).end();
  });

  return r;
}
