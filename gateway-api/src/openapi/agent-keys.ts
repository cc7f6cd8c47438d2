import { MAX_KEY_DAYS } from '../keys';
import { err, json, keyId, unauthenticated } from './api-keys';
import { id } from './schemas';

/** OpenAPI paths and schemas of agent keys (routes/agent-keys.ts, docs/security.md "Agent identities"). */
const participantParam = { name: 'participantId', in: 'path', required: true, schema: id };

export const agentKeyPaths = {
  '/participants/{participantId}/agent-keys': {
    post: {
      operationId: 'issueAgentKey',
      description:
        "Issues the owner's trading agent an API key (shown once, stored hashed). The gateway signs the agent's requests with the " +
        "agent identity: a certificate of the owner's organization with the owner's gl.id and gl.role and gl.agent=true, enrolled at " +
        "the first key. Only the owner's own key (not an agent's). A retry with the same Idempotency-Key returns the same key.",
      parameters: [
        participantParam,
        { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 128 } },
      ],
      requestBody: { required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewAgentKey' } } } },
      responses: {
        '201': json('AgentKey', 'the new key'),
        '400': err('REQUEST_INVALID'),
        '401': unauthenticated,
        '403': err("ACCESS_DENIED: not the owner's own key"),
        '502': err('CA_REQUEST_FAILED'),
      },
    },
    get: {
      operationId: 'listAgentKeys',
      description: "The keys of the participant's agent (ids, creation, expiry, state; never a key): the owner, an operator or utility.",
      parameters: [participantParam],
      responses: {
        '200': json('ApiKeyList', 'the keys'),
        '400': err('REQUEST_INVALID'),
        '401': unauthenticated,
        '403': err('ACCESS_DENIED'),
      },
    },
  },
  '/participants/{participantId}/agent-keys/{keyId}': {
    delete: {
      operationId: 'revokeAgentKey',
      description: "Revokes one of the agent's keys at once (the owner, an operator or utility); revoking it again answers 204.",
      parameters: [participantParam, { name: 'keyId', in: 'path', required: true, schema: keyId }],
      responses: {
        '204': { description: 'revoked' },
        '400': err('REQUEST_INVALID'),
        '401': unauthenticated,
        '403': err('ACCESS_DENIED'),
        '404': err("API_KEY_NOT_FOUND: no such key of this participant's agent"),
      },
    },
  },
};

export const agentKeySchemas = {
  NewAgentKey: {
    type: 'object',
    additionalProperties: false,
    properties: {
      expiresInDays: { type: 'integer', minimum: 1, maximum: MAX_KEY_DAYS, description: "the key's life; 90 days when left out" },
    },
  },
  AgentKey: {
    type: 'object',
    required: ['apiKey', 'keyId', 'expiresAt', 'userId', 'participantId'],
    properties: {
      apiKey: { type: 'string', description: 'shown once; the gateway keeps only its SHA-256' },
      keyId,
      expiresAt: { type: 'string', format: 'date-time' },
      userId: { type: 'string', description: "the agent identity's enrollment id, <participantId>.agent" },
      participantId: { type: 'string' },
    },
  },
};
