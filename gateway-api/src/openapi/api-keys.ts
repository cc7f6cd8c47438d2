import { MAX_KEY_DAYS } from '../keys';
import { id } from './schemas';

/** OpenAPI paths and schemas of the API keys' life (routes/api-keys.ts, docs/security.md "API keys"). */
export const keyId = { type: 'string', pattern: '^kid_[0-9a-f]{16}$' };
const userId = id;
export const err = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
export const json = (ref: string, description: string) => ({
  description,
  headers: { 'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } } },
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
export const unauthenticated = err('UNAUTHENTICATED (unknown key), API_KEY_EXPIRED or API_KEY_REVOKED');
const keyIdParam = { name: 'keyId', in: 'path', required: true, schema: keyId };

export const apiKeyPaths = {
  '/api-keys': {
    get: {
      operationId: 'listApiKeys',
      description:
        "The caller's keys (ids, creation, expiry, state; never a key or its hash), the one presented marked current. " +
        "An operator or utility key may name a household or meter bridge of this gateway's wallet with ?userId.",
      parameters: [{ name: 'userId', in: 'query', required: false, schema: userId }],
      responses: {
        '200': json('ApiKeyList', 'the keys'),
        '400': err('REQUEST_INVALID: a userId that is not an id'),
        '401': unauthenticated,
        '403': err('ACCESS_DENIED'),
      },
    },
  },
  '/api-keys/{keyId}/rotate': {
    post: {
      operationId: 'rotateApiKey',
      description:
        "Issues the key's identity a new key (shown once) and revokes the old one at once; own keys only. " +
        'A retry with the same Idempotency-Key (the old key still opens exactly that retry) returns the same new key; ' +
        'after a gateway restart it returns another one (apiKeyReissued) and revokes the lost one.',
      parameters: [
        keyIdParam,
        { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 128 } },
      ],
      requestBody: {
        required: false,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/KeyRotation' } } },
      },
      responses: {
        '201': json('RotatedApiKey', 'the new key'),
        '400': err('REQUEST_INVALID'),
        '401': unauthenticated,
        '403': err("ACCESS_DENIED: another identity's key"),
        '404': err('API_KEY_NOT_FOUND'),
      },
    },
  },
  '/api-keys/{keyId}': {
    delete: {
      operationId: 'revokeApiKey',
      description:
        "Revokes a key at once: the caller's own, or (operator or utility key) one of a household or meter bridge of this gateway's " +
        'wallet. Revoking a revoked key answers 204 again.',
      parameters: [keyIdParam],
      responses: {
        '204': { description: 'revoked' },
        '400': err('REQUEST_INVALID: a key id that is not one'),
        '401': unauthenticated,
        '404': err("API_KEY_NOT_FOUND: no such key, or not the caller's to revoke"),
      },
    },
  },
};

export const apiKeySchemas = {
  ApiKey: {
    type: 'object',
    required: ['keyId', 'userId', 'createdAt', 'expiresAt', 'state'],
    properties: {
      keyId,
      userId: { type: 'string' },
      createdAt: { type: 'string', format: 'date-time' },
      expiresAt: { type: 'string', format: 'date-time' },
      state: { type: 'string', enum: ['active', 'expired', 'revoked'] },
      revokedAt: { type: 'string', format: 'date-time' },
      replacedBy: { ...keyId, description: 'the key a rotation replaced it with' },
      current: { type: 'boolean', description: 'the key this request presented' },
    },
  },
  ApiKeyList: {
    type: 'object',
    required: ['keys'],
    properties: { keys: { type: 'array', items: { $ref: '#/components/schemas/ApiKey' } } },
  },
  KeyRotation: {
    type: 'object',
    additionalProperties: false,
    properties: {
      expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_KEY_DAYS, description: "the new key's life; 90 days when left out" },
    },
  },
  RotatedApiKey: {
    type: 'object',
    required: ['apiKey', 'keyId', 'expiresAt', 'replaces'],
    properties: {
      apiKey: { type: 'string', description: 'shown once; the gateway keeps only its SHA-256' },
      keyId,
      expiresAt: { type: 'string', format: 'date-time' },
      replaces: keyId,
      apiKeyReissued: { type: 'boolean' },
    },
  },
};
