import { catalogue, type Transaction } from '@gridledger/core/catalogue';
import { MAX_METER_BATCH } from '@gridledger/core/metering';
import { answer } from './answers';

/**
 * OpenAPI paths and schemas of metering beyond readings: sites, assets, preferences, meter
 * exchange and retirement, window close, positions (with paging and CSV), community view,
 * energy tokens, estimates and disputes. openapi.ts passes in its shared building blocks.
 */
export interface OpenApiParts {
  id: object;
  instant: object;
  amount: object;
  json(schema: object, description?: string): object;
  body(ref: string): object;
  pathParam(name: string, schema?: object): object;
  errorResponse(description: string): object;
  common: Record<string, object>;
}

const { assets, energy } = catalogue;

export function meteringPaths(p: OpenApiParts): Record<string, object> {
  const { instant, body, pathParam, errorResponse, common } = p;
  const ok = (tx: Transaction, extra: Record<string, object> = {}) => ({ '200': answer(tx), ...extra, ...common });
  const created = (tx: Transaction, extra: Record<string, object> = {}) => ({ '201': answer(tx, 'recorded'), ...extra, ...common });
  const q = (name: string, schema: object, required = true) => ({ name, in: 'query', required, allowReserved: true, schema });
  // An empty bookmark is the first page, as in Fabric's paged queries.
  const paging = [
    q('pageSize', { type: 'integer', minimum: 1, maximum: 500 }, false),
    {
      ...q('bookmark', { type: 'string', pattern: '^[A-Za-z0-9_-]{0,1024}$' }, false),
      allowEmptyValue: true,
      description: 'from the previous page; empty or absent: the first page',
    },
  ];
  const participant = pathParam('participantId');
  const interval = pathParam('intervalStart', instant);
  return {
    '/metering/params': {
      get: {
        operationId: 'getMeteringParams',
        description:
          'The metering parameters of the channel (every community): interval length, late window, capacity tolerance, ' +
          'surplus threshold, close page size; the defaults while no operator has set them.',
        responses: ok(catalogue.metering.getParams),
      },
    },
    '/sites': {
      post: {
        operationId: 'registerSite',
        requestBody: body('NewSite'),
        responses: created(assets.registerSite, { '404': errorResponse('PARTICIPANT_NOT_FOUND'), '409': errorResponse('ASSET_EXISTS') }),
      },
    },
    '/participants/{participantId}/sites': {
      get: { operationId: 'listSites', parameters: [participant], responses: ok(assets.listSites) },
    },
    '/meters/{meterId}/site': {
      put: {
        operationId: 'attachMeter',
        parameters: [pathParam('meterId')],
        requestBody: body('MeterSite'),
        responses: ok(assets.attachMeter, { '404': errorResponse('ASSET_NOT_FOUND or METER_NOT_REGISTERED') }),
      },
    },
    '/assets': {
      post: {
        operationId: 'registerAsset',
        requestBody: body('NewAsset'),
        responses: created(assets.registerAsset, {
          '404': errorResponse('PARTICIPANT_NOT_FOUND or METER_NOT_REGISTERED'),
          '409': errorResponse('ASSET_EXISTS'),
        }),
      },
    },
    '/assets/{assetId}': {
      get: {
        operationId: 'getAsset',
        parameters: [pathParam('assetId')],
        responses: ok(assets.getAsset, { '404': errorResponse('ASSET_NOT_FOUND') }),
      },
    },
    '/assets/{assetId}/history': {
      get: {
        operationId: 'getAssetHistory',
        parameters: [pathParam('assetId')],
        responses: ok(assets.getAssetHistory, { '404': errorResponse('ASSET_NOT_FOUND') }),
      },
    },
    '/assets/{assetId}/verification': {
      post: {
        operationId: 'verifyAsset',
        description: 'The regulator verifies the asset.',
        parameters: [pathParam('assetId')],
        responses: ok(assets.verifyAsset, { '404': errorResponse('ASSET_NOT_FOUND') }),
      },
    },
    '/assets/{assetId}/records': {
      post: {
        operationId: 'addAssetRecord',
        parameters: [pathParam('assetId')],
        requestBody: body('AssetRecordEntry'),
        responses: created(assets.addAssetRecord, { '404': errorResponse('ASSET_NOT_FOUND') }),
      },
    },
    '/participants/{participantId}/assets': {
      get: { operationId: 'listAssets', parameters: [participant], responses: ok(assets.listAssets) },
    },
    '/participants/{participantId}/preferences': {
      get: {
        operationId: 'getPreferences',
        parameters: [participant],
        responses: ok(assets.getPreferences, { '404': errorResponse('ASSET_NOT_FOUND') }),
      },
      put: {
        operationId: 'setPreferences',
        parameters: [participant],
        requestBody: body('Preferences'),
        responses: ok(assets.setPreferences, { '404': errorResponse('PARTICIPANT_NOT_FOUND') }),
      },
    },
    '/meter-batches': {
      post: {
        operationId: 'registerMeterBatch',
        description:
          `Registers up to ${MAX_METER_BATCH} meters (each as POST /meters takes it) in one transaction, all or none: the first bad ` +
          'meter refuses the batch with its index in `details.index`. A retry with the same batchId and meters answers the stored ' +
          'batch (its txId is the transaction that registered it); other meters under that batchId are METER_BATCH_CONFLICT. ' +
          'No broker credentials: ask POST /meters/{meterId}/mqtt-credential per meter.',
        requestBody: body('MeterBatch'),
        responses: {
          '201': answer(catalogue.registry.registerMeterBatch, 'registered, or the stored answer of a retry'),
          '404': errorResponse('PARTICIPANT_NOT_FOUND'),
          '409': errorResponse('METER_EXISTS, METER_COMMUNITY_CONFLICT or METER_BATCH_CONFLICT'),
          ...common,
        },
      },
    },
    '/meters/{meterId}/exchanges': {
      post: {
        operationId: 'exchangeMeter',
        parameters: [pathParam('meterId')],
        requestBody: body('MeterExchange'),
        responses: created(energy.exchangeMeter, { '404': errorResponse('METER_NOT_REGISTERED') }),
      },
    },
    '/meters/{meterId}/retirement': {
      post: {
        operationId: 'retireMeter',
        parameters: [pathParam('meterId')],
        responses: ok(energy.retireMeter, { '404': errorResponse('METER_NOT_REGISTERED') }),
      },
    },
    '/meters/{meterId}/estimates/{intervalStart}': {
      get: {
        operationId: 'getEstimate',
        parameters: [pathParam('meterId'), interval],
        responses: ok(energy.getEstimate, { '404': errorResponse('READING_NOT_FOUND') }),
      },
    },
    '/communities/{communityId}/windows/{intervalStart}': {
      get: { operationId: 'getWindow', parameters: [pathParam('communityId'), interval], responses: ok(energy.getWindow) },
    },
    '/communities/{communityId}/windows/{intervalStart}/close': {
      post: {
        operationId: 'closeWindow',
        description:
          "Ends the community's late window of the interval (operator) over the meters registered with that communityId: estimates, " +
          'positions, tokens; consumption goes to the private collection.',
        parameters: [pathParam('communityId'), interval],
        responses: ok(energy.closeWindow, { '409': errorResponse('WINDOW_STATE_INVALID') }),
      },
    },
    '/participants/{participantId}/positions': {
      get: {
        operationId: 'listPositions',
        parameters: [participant, q('from', instant), q('to', instant), ...paging],
        responses: ok(energy.listPositions),
      },
    },
    '/participants/{participantId}/positions.csv': {
      get: {
        operationId: 'exportPositions',
        parameters: [participant, q('from', instant), q('to', instant)],
        responses: {
          '200': { description: 'CSV, one line per interval', content: { 'text/csv': { schema: { type: 'string' } } } },
          ...common,
        },
      },
    },
    '/participants/{participantId}/positions/{intervalStart}': {
      get: {
        operationId: 'getPosition',
        parameters: [participant, interval],
        responses: ok(energy.getPosition, { '404': errorResponse('POSITION_NOT_FOUND') }),
      },
    },
    '/communities/{communityId}/intervals/{intervalStart}': {
      get: {
        operationId: 'getCommunityView',
        parameters: [pathParam('communityId'), interval],
        responses: ok(energy.getCommunityView, { '409': errorResponse('WINDOW_STATE_INVALID') }),
      },
    },
    '/participants/{participantId}/tokens': {
      get: { operationId: 'getTokenBalance', parameters: [participant], responses: ok(energy.getTokenBalance) },
    },
    '/participants/{participantId}/tokens/moves': {
      get: { operationId: 'listTokenMoves', parameters: [participant, ...paging], responses: ok(energy.listTokenMoves) },
    },
    '/participants/{participantId}/consumption/{intervalStart}': {
      get: {
        operationId: 'getConsumption',
        description: 'The household, the operator and the utility only.',
        parameters: [participant, interval],
        responses: ok(energy.getConsumption, { '404': errorResponse('POSITION_NOT_FOUND') }),
      },
    },
    '/participants/{participantId}/consumption/{intervalStart}/verification': {
      post: {
        operationId: 'verifyConsumption',
        description: 'Checks a disclosed value against the hash on the channel.',
        parameters: [participant, interval],
        requestBody: body('DisclosedConsumption'),
        responses: ok(energy.verifyConsumption, { '404': errorResponse('POSITION_NOT_FOUND') }),
      },
    },
    '/disputes': {
      post: {
        operationId: 'disputeReading',
        requestBody: body('NewDispute'),
        responses: created(energy.disputeReading, {
          '404': errorResponse('METER_NOT_REGISTERED or READING_NOT_FOUND'),
          '409': errorResponse('DISPUTE_INVALID'),
        }),
      },
    },
    '/disputes/resolutions': {
      post: {
        operationId: 'resolveDispute',
        requestBody: body('DisputeResolution'),
        description:
          'An operator of CommunityMSP resolves an open dispute; when that lowers the export of an issued certificate hour, ' +
          'the certificates no longer covered are withdrawn right after (`certificates`, docs/certificates.md).',
        responses: {
          ...ok(energy.resolveDispute, { '404': errorResponse('METER_NOT_REGISTERED'), '409': errorResponse('DISPUTE_INVALID') }),
          '200': {
            description: 'OK',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/DisputeResolutionAnswer' } } },
          },
        },
      },
    },
    '/meters/{meterId}/disputes/{intervalStart}': {
      get: {
        operationId: 'getDispute',
        parameters: [pathParam('meterId'), interval],
        responses: ok(energy.getDispute, { '404': errorResponse('METER_NOT_REGISTERED or DISPUTE_NOT_FOUND') }),
      },
    },
  };
}

export function meteringSchemas(p: OpenApiParts): Record<string, object> {
  const { id, instant, amount } = p;
  const capacity = { type: 'integer', minimum: 1, maximum: 1_000_000_000 };
  const text = { type: 'string', minLength: 1, maxLength: 256 };
  const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
  const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
  const source = { type: 'string', enum: ['solar', 'wind', 'hydro', 'biomass', 'storage'] };
  const object = (required: string[], properties: Record<string, object>) => ({
    type: 'object',
    additionalProperties: false,
    required,
    properties,
  });
  return {
    NewSite: object(['siteId', 'participantId', 'connectionCapacityW', 'zone'], {
      siteId: id,
      participantId: id,
      connectionCapacityW: capacity,
      zone: id,
      feeder: id,
    }),
    MeterSite: object(['siteId'], { siteId: id }),
    NewAsset: object(
      ['assetId', 'participantId', 'meterId', 'source', 'capacityW', 'zone', 'feeder', 'location', 'commissionedOn', 'certificationHash'],
      {
        assetId: id,
        participantId: id,
        meterId: id,
        source,
        capacityW: capacity,
        zone: id,
        feeder: id,
        location: text,
        commissionedOn: date,
        certificationHash: sha256,
      },
    ),
    AssetRecordEntry: object(['kind', 'performedOn', 'note'], {
      kind: { type: 'string', enum: ['maintenance', 'inspection'] },
      performedOn: date,
      note: text,
      documentHash: sha256,
    }),
    Preferences: object(['sources', 'locality'], {
      sources: { type: 'array', items: source, maxItems: 5 },
      locality: { type: 'string', enum: ['feeder', 'zone', 'community', 'any'] },
    }),
    MeterBatch: object(['batchId', 'meters'], {
      batchId: id,
      meters: { type: 'array', minItems: 1, maxItems: MAX_METER_BATCH, items: { $ref: '#/components/schemas/NewMeter' } },
    }),
    MeterExchange: object(['effectiveFrom', 'publicKeyPem', 'firstSeq', 'importRegisterWh', 'exportRegisterWh'], {
      effectiveFrom: instant,
      publicKeyPem: { type: 'string', pattern: '^-----BEGIN PUBLIC KEY-----', maxLength: 1024 },
      firstSeq: amount,
      importRegisterWh: amount,
      exportRegisterWh: amount,
    }),
    DisclosedConsumption: object(['value'], {
      value: object(['participantId', 'intervalStart', 'consumptionWh', 'salt'], {
        participantId: id,
        intervalStart: instant,
        consumptionWh: amount,
        salt: { type: 'string', maxLength: 128 },
      }),
    }),
    NewDispute: object(['meterId', 'intervalStart', 'reason'], { meterId: id, intervalStart: instant, reason: text }),
    DisputeResolution: object(['meterId', 'intervalStart', 'importWh', 'exportWh', 'note'], {
      meterId: id,
      intervalStart: instant,
      importWh: amount,
      exportWh: amount,
      note: text,
    }),
  };
}
