/**
 * The served OpenAPI document, assembled from the paths and schemas of openapi/*.ts. Over 400
 * lines: the shared components and the assembly of every domain's paths.
 */
import { catalogue } from '@gridledger/core/catalogue';
import { ErrorCodes, ROLES } from '@gridledger/core/core';
import { MAX_READINGS_PER_BATCH } from '@gridledger/core/metering';
import { marketPaths, marketSchemas } from './openapi/market';
import { contractPaths, contractSchemas } from './openapi/contracts';
import { p2pPaths, p2pSchemas } from './openapi/p2p';
import { figurePaths } from './openapi/figures';
import { gridPaths, gridSchemas } from './openapi/grid';
import { islandPaths, islandSchemas } from './openapi/island';
import { listPaths, listSchemas } from './openapi/lists';
import { flexPaths, flexSchemas } from './openapi/flex';
import { certificatePaths, certificateSchemas } from './openapi/certificates';
import { provenancePaths, provenanceSchemas } from './openapi/provenance';
import { readingArchivePaths } from './openapi/reading-archive';
import { certificateExportPaths, certificateExportSchemas } from './openapi/certificate-exports';
import { certificateLifecyclePaths, certificateLifecycleSchemas } from './openapi/certificate-lifecycle';
import { certificateStoragePaths, certificateStorageSchemas } from './openapi/certificate-storage';
import { matchingPaths, matchingSchemas } from './openapi/matching';
import { certificateAuditPaths, certificateAuditSchemas } from './openapi/certificate-audit';
import { apiKeyPaths, apiKeySchemas } from './openapi/api-keys';
import { agentKeyPaths, agentKeySchemas } from './openapi/agent-keys';
import { agentMqttPaths } from './openapi/agent-mqtt';
import { meteringPaths, meteringSchemas } from './openapi/metering';
import { mqttPaths, mqttSchemas } from './openapi/mqtt';
import { telemetryPaths, telemetrySchemas } from './openapi/telemetry';
import { forecastPaths, forecastSchemas } from './openapi/forecasts';
import { storagePaths, storageSchemas } from './openapi/storage';
import { becknStoragePaths, becknStorageSchemas } from './openapi/beckn-storage';
import { sessionPaths, sessionSchemas } from './openapi/session';
import { dispatchPaths, dispatchSchemas } from './openapi/dispatch';
import { answer, answerSchema } from './openapi/answers';
import { id, instant } from './openapi/schemas';

const { registry, metering } = catalogue;

/**
 * The gateway's OpenAPI 3.0 description. `GET /api/v1/openapi.json` serves exactly this object and
 * express-openapi-validator validates every request against it, so the document cannot drift from
 * what the gateway accepts.
 */

export const API_BASE = '/api/v1';

/** The one accepted instant spelling: exactly what core's parseInstant accepts (units.ts). */
const amount = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const json = (schema: object, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const body = (ref: string) => ({
  required: true,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } },
});
const pathParam = (name: string, schema: object = id) => ({ name, in: 'path', required: true, schema });
const common = {
  '400': errorResponse('REQUEST_INVALID or a chaincode validation code'),
  '401': errorResponse('UNAUTHENTICATED'),
  '403': errorResponse('ACCESS_DENIED'),
  '503': errorResponse('LEDGER_UNAVAILABLE'),
};
/** What the onboarding answers of the participant: the ledger's record, or what it sent when the ledger answered nothing. */
const ledgerObject = { type: 'object', additionalProperties: true };

const parts = { id, instant, amount, json, body, pathParam, errorResponse, common };

type Operation = { operationId: string; requestBody?: object; responses: Record<string, object> } & Record<string, unknown>;
/** Before validation, a body can be refused for its size (express.json's limit) or its media type: in every operation that takes one. */
function withBodyRefusals(paths: Record<string, Record<string, Operation>>): Record<string, Record<string, Operation>> {
  const refusals = {
    '413': errorResponse('REQUEST_INVALID: the body is larger than 1 MB'),
    '415': errorResponse('REQUEST_INVALID: the body is not application/json'),
  };
  const withRefusals = (op: Operation) => (op.requestBody ? { ...op, responses: { ...op.responses, ...refusals } } : op);
  return Object.fromEntries(
    Object.entries(paths).map(([path, ops]) => [
      path,
      Object.fromEntries(Object.entries(ops).map(([method, op]) => [method, withRefusals(op)])),
    ]),
  );
}

export const openApiDocument = {
  openapi: '3.0.3',
  info: {
    title: 'GridLedger gateway',
    version: '1.0.0',
    description:
      'One gateway per organization. Energy in integer Wh, power in integer W, instants as UTC ISO 8601 with Z. ' +
      'Errors are {"error": {"code", "message", "details"}}; clients branch on code only.',
  },
  servers: [{ url: API_BASE }],
  security: [{ apiKey: [] }],
  paths: withBodyRefusals({
    ...marketPaths,
    ...contractPaths,
    ...figurePaths,
    ...gridPaths,
    ...certificatePaths,
    ...provenancePaths,
    ...readingArchivePaths,
    ...certificateExportPaths,
    ...certificateLifecyclePaths,
    ...certificateStoragePaths,
    ...matchingPaths,
    ...certificateAuditPaths,
    ...apiKeyPaths,
    '/health': {
      get: {
        operationId: 'health',
        security: [],
        responses: {
          '200': json({ $ref: '#/components/schemas/Health' }),
          '503': json({ $ref: '#/components/schemas/Health' }, 'the peer or the ledger is not available; `reason` says why'),
        },
      },
    },
    '/health/live': {
      get: {
        operationId: 'healthLive',
        description: 'Liveness: 200 while the gateway process answers, whatever the ledger does (restart it when this fails).',
        security: [],
        responses: {
          '200': json({ type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } }),
        },
      },
    },
    '/health/ready': {
      get: {
        operationId: 'healthReady',
        description:
          "Readiness: 200 when the peer is healthy and the channel's block height can be read (send traffic); 503 otherwise. The same " +
          'answer as /health.',
        security: [],
        responses: {
          '200': json({ $ref: '#/components/schemas/Health' }),
          '503': json({ $ref: '#/components/schemas/Health' }, 'the peer or the ledger is not available; `reason` says why'),
        },
      },
    },
    '/openapi.json': {
      get: { operationId: 'openapi', security: [], responses: { '200': json({ type: 'object' }, 'this document') } },
    },
    '/participants': {
      post: {
        operationId: 'onboardParticipant',
        description:
          "Registers the participant at this organization's CA (gl.role, gl.id), enrolls it into the gateway's wallet, " +
          'records it on the ledger and returns its API key once. Operator or utility keys only. ' +
          'A retry with the same Idempotency-Key returns the same result.',
        parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 128 } }],
        requestBody: body('NewParticipant'),
        responses: {
          '201': json({ $ref: '#/components/schemas/Onboarded' }, 'onboarded'),
          '409': errorResponse('PARTICIPANT_EXISTS'),
          '502': errorResponse('CA_REQUEST_FAILED'),
          ...common,
        },
      },
    },
    '/participants/{participantId}': {
      get: {
        operationId: 'getParticipant',
        parameters: [pathParam('participantId')],
        responses: { '200': answer(registry.getParticipant), '404': errorResponse('PARTICIPANT_NOT_FOUND'), ...common },
      },
    },
    '/participants/{participantId}/meters': {
      get: {
        operationId: 'listMeters',
        parameters: [pathParam('participantId')],
        responses: { '200': answer(registry.listMeters), ...common },
      },
    },
    '/meters': {
      post: {
        operationId: 'registerMeter',
        requestBody: body('NewMeter'),
        responses: {
          '201': json(
            {
              type: 'object',
              required: ['meter', 'txId'],
              properties: {
                meter: registry.registerMeter.result,
                txId: { type: 'string' },
                mqtt: { $ref: '#/components/schemas/MqttCredential' },
                mqttError: {
                  type: 'object',
                  description:
                    'instead of `mqtt` when the broker failed (BROKER_UNAVAILABLE): the meter is registered; ask POST ' +
                    '/meters/{meterId}/mqtt-credential',
                  properties: { code: { type: 'string' }, message: { type: 'string' } },
                },
              },
            },
            "registered, with the meter's broker credential (shown once)",
          ),
          '404': errorResponse('PARTICIPANT_NOT_FOUND'),
          '409': errorResponse('METER_EXISTS or METER_COMMUNITY_CONFLICT'),
          ...common,
        },
      },
    },
    '/meters/{meterId}': {
      get: {
        operationId: 'getMeter',
        parameters: [pathParam('meterId')],
        responses: { '200': answer(registry.getMeter), '404': errorResponse('METER_NOT_REGISTERED'), ...common },
      },
    },
    '/readings': {
      post: {
        operationId: 'submitReadings',
        description: 'A batch of signed readings in one transaction; each reading gets its own result.',
        requestBody: body('ReadingBatch'),
        responses: { '200': json({ $ref: '#/components/schemas/ReadingResults' }), ...common },
      },
    },
    '/meters/{meterId}/readings': {
      get: {
        operationId: 'listReadings',
        description:
          "The meter's stored readings with from <= intervalStart <= to, in interval order; a range spans at most 1000 intervals and " +
          '1000 hours (REQUEST_INVALID otherwise). With archived=true the answer is { readings, archivedHours }: also, for each ' +
          'archived hour of the range, its count, Merkle root and last archive transaction (docs/bounded-state.md), where its ' +
          'readings went.',
        parameters: [
          pathParam('meterId'),
          // allowReserved: an instant's ':' need not be percent-encoded in the query.
          { name: 'from', in: 'query', required: true, allowReserved: true, schema: instant },
          { name: 'to', in: 'query', required: true, allowReserved: true, schema: instant },
          { name: 'archived', in: 'query', required: false, schema: { type: 'boolean' } },
        ],
        responses: { '200': answer(metering.listReadings), ...common },
      },
    },
    '/meters/{meterId}/readings/{intervalStart}': {
      get: {
        operationId: 'getReading',
        description:
          'The reading; READING_NOT_FOUND (404) when there is none, READING_ARCHIVED (410) when its hour is past every horizon ' +
          'and the record left the state (with the hour archive record, or rolling: true; docs/bounded-state.md).',
        parameters: [pathParam('meterId'), pathParam('intervalStart', instant)],
        responses: {
          '200': answer(metering.getReading),
          '404': errorResponse('READING_NOT_FOUND'),
          '410': errorResponse('READING_ARCHIVED'),
          ...common,
        },
      },
    },
    '/events': {
      get: {
        operationId: 'events',
        description:
          "Server-sent events of the gridledger chaincode. Each event's id is a checkpoint `<blockNumber>:<txId>`; " +
          'resume with the Last-Event-ID header or ?after=<checkpoint> (no event twice, none lost). ' +
          '?fromBlock=<n> replays from block n; without either the stream starts with the next block. ' +
          'A prosumer, consumer or battery provider sees public aggregates and its own records only (of a shared event its own part); ' +
          'operators, the utility, the regulator and bridges see every event.',
        parameters: [
          { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string', pattern: '^\\d+(:[^\\s:]+)?$' } },
          { name: 'after', in: 'query', required: false, allowReserved: true, schema: { type: 'string', pattern: '^\\d+(:[^\\s:]+)?$' } },
          { name: 'fromBlock', in: 'query', required: false, schema: { type: 'integer', minimum: 0 } },
        ],
        responses: {
          '200': { description: 'an event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          ...common,
        },
      },
    },
    ...meteringPaths(parts),
    ...mqttPaths(parts),
    ...telemetryPaths(parts),
    ...islandPaths,
    ...storagePaths,
    ...flexPaths,
    ...sessionPaths,
    ...dispatchPaths(parts),
    ...becknStoragePaths,
    ...forecastPaths(parts),
    ...listPaths,
    ...p2pPaths,
    ...agentKeyPaths,
    ...agentMqttPaths(parts),
  }),
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <api key>' },
    },
    schemas: {
      ...marketSchemas,
      ...gridSchemas,
      ...flexSchemas,
      ...contractSchemas,
      ...certificateSchemas,
      ...provenanceSchemas,
      ...certificateExportSchemas,
      ...certificateLifecycleSchemas,
      ...certificateStorageSchemas,
      ...matchingSchemas,
      ...certificateAuditSchemas,
      ...meteringSchemas(parts),
      ...mqttSchemas,
      ...telemetrySchemas,
      ...storageSchemas,
      ...dispatchSchemas(parts),
      ...apiKeySchemas,
      ...islandSchemas,
      ...sessionSchemas,
      ...becknStorageSchemas,
      ...forecastSchemas,
      ...listSchemas,
      ...p2pSchemas,
      ...agentKeySchemas,
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'details'],
            properties: {
              code: { type: 'string', enum: Object.values(ErrorCodes) },
              message: { type: 'string' },
              details: { type: 'object', additionalProperties: true },
            },
          },
        },
      },
      Health: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['ok', 'unavailable'] },
          reason: { type: 'string' },
          org: { type: 'string' },
          mspId: { type: 'string' },
          channel: { type: 'string' },
          chaincode: { type: 'string' },
          fabricVersion: { type: 'string' },
          blockHeight: { type: 'integer' },
          peer: { type: 'object', properties: { endpoint: { type: 'string' }, status: { type: 'string' } } },
        },
      },
      NewParticipant: {
        type: 'object',
        additionalProperties: false,
        required: ['participantId', 'role'],
        properties: {
          participantId: id,
          role: { type: 'string', enum: [...ROLES] },
          displayName: { type: 'string', minLength: 1, maxLength: 128 },
        },
      },
      Onboarded: {
        type: 'object',
        required: ['participant', 'apiKey'],
        properties: {
          participant: ledgerObject,
          apiKey: { type: 'string', description: 'shown once; the gateway keeps only its SHA-256' },
          keyId: { type: 'string', description: "the API key's public id" },
          expiresAt: { type: 'string', format: 'date-time', description: 'when the API key expires' },
          txId: { type: 'string' },
        },
      },
      NewMeter: {
        type: 'object',
        additionalProperties: false,
        required: ['meterId', 'participantId', 'kind', 'publicKeyPem', 'exportCapacityW', 'communityId'],
        properties: {
          meterId: id,
          participantId: id,
          kind: { type: 'string', enum: ['production', 'consumption', 'bidirectional'] },
          publicKeyPem: { type: 'string', pattern: '^-----BEGIN PUBLIC KEY-----', maxLength: 1024 },
          exportCapacityW: { type: 'integer', minimum: 0, maximum: 1_000_000_000 },
          communityId: id,
        },
      },
      SignedReading: {
        type: 'object',
        additionalProperties: false,
        required: ['meterId', 'intervalStart', 'seq', 'importWh', 'exportWh', 'importRegisterWh', 'exportRegisterWh', 'sig'],
        properties: {
          meterId: id,
          intervalStart: instant,
          seq: amount,
          importWh: amount,
          exportWh: amount,
          importRegisterWh: amount,
          exportRegisterWh: amount,
          sig: { type: 'string', pattern: '^[A-Za-z0-9+/]+={0,2}$', maxLength: 96 },
        },
      },
      ReadingBatch: {
        type: 'object',
        additionalProperties: false,
        required: ['readings'],
        properties: {
          readings: {
            type: 'array',
            minItems: 1,
            // The chaincode's limit (core's parseReadingBatch): one transaction.
            maxItems: MAX_READINGS_PER_BATCH,
            items: { $ref: '#/components/schemas/SignedReading' },
          },
        },
      },
      ReadingResults: answerSchema(metering.submitReadings),
    },
  },
};
