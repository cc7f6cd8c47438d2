/**
 * GET /session: who the presented API key names (identity, role, participant, organization, the key's
 * id and expiry), so that a client such as the portal (docs/portal.md) shows the role and the views
 * it allows without guessing from refusals. Never the key or its hash.
 */
import express from 'express';
import { callerOf } from '../access';
import type { ApiKeyRecord } from '../keys';

export function sessionRoutes(org: string): express.Router {
  const r = express.Router();
  r.get('/session', (_req, res) => {
    const caller = callerOf(res);
    const key = res.locals.keyRecord as ApiKeyRecord;
    res.set('Cache-Control', 'no-store').json({
      userId: caller.id,
      ...(caller.role !== undefined ? { role: caller.role } : {}),
      ...(caller.participantId !== undefined ? { participantId: caller.participantId } : {}),
      org,
      mspId: caller.mspId,
      keyId: key.keyId,
      expiresAt: key.expiresAt,
    });
  });
  return r;
}
