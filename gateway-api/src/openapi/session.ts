import { ROLES } from '@gridledger/core/core';

/** OpenAPI path and schema of GET /session (routes/session.ts). */
const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

export const sessionPaths = {
  '/session': {
    get: {
      operationId: 'getSession',
      description:
        "Who the presented API key names: the identity, its role and participant, this gateway's organization, the key's id and expiry.",
      responses: {
        '200': {
          description: 'the session',
          headers: { 'Cache-Control': { schema: { type: 'string', enum: ['no-store'] } } },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Session' } } },
        },
        '401': err('UNAUTHENTICATED (unknown key), API_KEY_EXPIRED or API_KEY_REVOKED'),
      },
    },
  },
};

export const sessionSchemas = {
  Session: {
    type: 'object',
    required: ['userId', 'org', 'mspId', 'keyId', 'expiresAt'],
    properties: {
      userId: { type: 'string', description: 'the CA enrollment id' },
      role: { type: 'string', enum: [...ROLES], description: 'gl.role of the identity' },
      participantId: { type: 'string', description: 'gl.id of the identity' },
      org: { type: 'string', enum: ['utility', 'community', 'regulator'] },
      mspId: { type: 'string' },
      keyId: { type: 'string', pattern: '^kid_[0-9a-f]{16}$' },
      expiresAt: { type: 'string', format: 'date-time' },
    },
  },
};
