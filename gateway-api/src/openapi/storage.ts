/** The storage marketplace's routes in the OpenAPI document (docs/storage.md). */
import { catalogue, type Transaction } from '@gridledger/core/catalogue';
import { BATTERY_FIELDS, MAX_SEARCH_RESULTS } from '@gridledger/core/storage';
import { answer } from './answers';
import { id, instant } from './schemas';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const { storage } = catalogue;
const common = {
  '400': err('REQUEST_INVALID or STORAGE_INPUT_INVALID (details.field)'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};
const p = (name: string, schema: object = id) => ({ name, in: 'path', required: true, schema });
const q = (name: string, schema: object, required = false) => ({ name, in: 'query', required, allowReserved: true, schema });
const int = { type: 'integer' };
const amount = { type: 'integer', minimum: 0 };
const body = (ref: string) => ({ required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
const contractStep = (operationId: string, tx: Transaction, description: string, conflict: string) => ({
  post: {
    operationId,
    description,
    parameters: [p('contractId')],
    responses: { '200': answer(tx), '404': err('STORAGE_CONTRACT_NOT_FOUND'), '409': err(conflict), ...common },
  },
});

export const storagePaths = {
  '/batteries': {
    post: {
      operationId: 'registerBattery',
      description:
        'A battery provider registers a battery of its own (an operator one of a battery provider of its MSP, named by providerId), ' +
        'with a meter of the provider in the community and a zone of its grid model (when it has one), and optionally assetId: the ' +
        "certificates' storage asset (regulator-verified, source storage, the provider's, on the battery's meter). A retry with the " +
        'same terms returns it (200).',
      requestBody: body('NewBattery'),
      responses: {
        '201': answer(storage.registerBattery, 'registered'),
        '200': answer(storage.registerBattery, 'the same battery, registered before'),
        '404': err('METER_NOT_REGISTERED or ASSET_NOT_FOUND'),
        '409': err('BATTERY_EXISTS or BATTERY_ASSET_LINKED'),
        '422': err('ZONE_UNKNOWN or BATTERY_ASSET_INVALID (details.reason)'),
        ...common,
      },
    },
  },
  '/batteries/{batteryId}/storage-asset': {
    put: {
      operationId: 'linkBatteryAsset',
      description:
        "The battery's provider (or an operator of its organization) names the certificates' storage asset of a battery registered " +
        "without one: a regulator-verified asset of source storage of the provider on the battery's meter, no other battery's. Once; " +
        'the same asset again answers the battery (replayed).',
      parameters: [p('batteryId')],
      requestBody: body('BatteryAssetLink'),
      responses: {
        '200': answer(storage.linkBatteryAsset),
        '404': err('BATTERY_NOT_FOUND or ASSET_NOT_FOUND'),
        '409': err('BATTERY_ASSET_LINKED'),
        '422': err('BATTERY_ASSET_INVALID (details.reason)'),
        ...common,
      },
    },
  },
  '/batteries/{batteryId}': {
    get: {
      operationId: 'getBattery',
      parameters: [p('batteryId')],
      responses: { '200': answer(storage.getBattery), '404': err('BATTERY_NOT_FOUND'), ...common },
    },
  },
  '/batteries/{batteryId}/state-of-charge': {
    post: {
      operationId: 'reportStateOfCharge',
      description:
        "The battery's provider (or the Community's operator) records its state of charge as of now; the device bridge may too, " +
        'at the ledger.',
      parameters: [p('batteryId')],
      requestBody: body('StateOfChargeReport'),
      responses: { '200': answer(storage.reportStateOfCharge), '404': err('BATTERY_NOT_FOUND'), ...common },
    },
  },
  '/batteries/{batteryId}/mqtt-credential': {
    post: {
      operationId: 'issueBatteryMqttCredential',
      description:
        "The battery's provider (or the Community's operator, installing its device). A new broker credential for the battery: " +
        'it publishes its state of charge on ' +
        '`gridledger/v1/{communityId}/batteries/{batteryId}/soc` (`{"socWh": n}`), which only the device bridge reads and records; ' +
        'the old credential stops working.',
      parameters: [p('batteryId')],
      responses: {
        '201': {
          description: 'a new credential',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/MqttCredential' } } },
        },
        '404': err('BATTERY_NOT_FOUND'),
        ...common,
        '503': err('BROKER_UNAVAILABLE'),
      },
    },
  },
  '/communities/{communityId}/batteries': {
    get: {
      operationId: 'listBatteries',
      parameters: [p('communityId')],
      responses: { '200': answer(storage.listBatteries), ...common },
    },
  },
  '/storage/offers': {
    get: {
      operationId: 'searchStorage',
      description:
        'Batteries by community, zone, free capacity over a window (from and to together), maximum prices and distance from a point ' +
        '(latitudeMicro, longitudeMicro and radiusM together); nearest first, then cheaper.',
      parameters: [
        q('communityId', id),
        q('zone', id),
        q('minFreeWh', { type: 'integer', minimum: 1 }),
        q('from', instant),
        q('to', instant),
        q('maxStoredPriceMicrosPerKwh', amount),
        q('maxReservedPriceMicrosPerKwhDay', amount),
        q('latitudeMicro', int),
        q('longitudeMicro', int),
        q('radiusM', amount),
        q('limit', { type: 'integer', minimum: 1, maximum: MAX_SEARCH_RESULTS }),
      ],
      responses: { '200': answer(storage.searchBatteries), ...common },
    },
  },
  '/storage/quote': {
    get: {
      operationId: 'quoteStorage',
      description: 'What reserving reservedWh of the battery over from–to costs and escrows now, and the capacity free over the window.',
      parameters: [
        q('batteryId', id, true),
        q('reservedWh', { type: 'integer', minimum: 1 }, true),
        q('from', instant, true),
        q('to', instant, true),
      ],
      responses: {
        '200': {
          description: 'OK',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: [
                  'batteryId',
                  'reservedWh',
                  'from',
                  'to',
                  'freeWh',
                  'reservationFeeMicros',
                  'maxStorageFeeMicros',
                  'escrowMicros',
                ],
                properties: {
                  batteryId: id,
                  reservedWh: int,
                  from: instant,
                  to: instant,
                  freeWh: int,
                  reservationFeeMicros: int,
                  maxStorageFeeMicros: int,
                  escrowMicros: int,
                },
              },
            },
          },
        },
        '404': err('BATTERY_NOT_FOUND'),
        ...common,
      },
    },
  },
  '/storage/contracts': {
    post: {
      operationId: 'confirmStorage',
      description:
        "A prosumer or consumer reserves a battery's capacity over a window on the metering grid, escrowing reservation fee + the " +
        'storage fee of the whole reserved capacity. Never beyond the capacity at any instant. A retry with the same clientContractId ' +
        'returns the contract (200).',
      requestBody: body('NewStorageContract'),
      responses: {
        '201': answer(storage.confirmStorage, 'confirmed'),
        '200': answer(storage.confirmStorage, 'the same contract, confirmed before'),
        '404': err('BATTERY_NOT_FOUND'),
        '409': err('STORAGE_CAPACITY_EXCEEDED (details.freeWh), CLIENT_ID_REUSED, TRANSACTION_CONFLICT'),
        '422': err('STORAGE_WINDOW_UNAVAILABLE, INSUFFICIENT_CREDITS'),
        ...common,
      },
    },
  },
  '/storage/contracts/{contractId}': {
    get: {
      operationId: 'getStorageContract',
      parameters: [p('contractId')],
      responses: { '200': answer(storage.getStorageContract), '404': err('STORAGE_CONTRACT_NOT_FOUND'), ...common },
    },
  },
  '/storage/contracts/{contractId}/feedback': {
    get: {
      operationId: 'listStorageFeedback',
      description:
        "The contract's support tickets and ratings, as the Community's Beckn BPP recorded them (docs/beckn.md): the buyer, the " +
        "battery's provider, the operator, the utility and the regulator.",
      parameters: [p('contractId')],
      responses: { '200': answer(storage.listStorageFeedback), '404': err('STORAGE_CONTRACT_NOT_FOUND'), ...common },
    },
  },
  '/storage/contracts/{contractId}/cancellation': contractStep(
    'cancelStorage',
    storage.cancelStorage,
    'The buyer or the provider cancels before the window starts: the escrow back, less half the reservation fee for a buyer with ' +
      'under 24 h notice.',
    'STORAGE_CONTRACT_STATE_CONFLICT',
  ),
  '/storage/contracts/{contractId}/settlement': contractStep(
    'settleStorage',
    storage.settleStorage,
    "After the window, the operator or a party: energy in and out from the battery meter's verified readings, the payment to the " +
      'provider less the penalty for capacity not delivered, the rest of the escrow back to the buyer; once.',
    'STORAGE_CONTRACT_STATE_CONFLICT, SETTLEMENT_METERING_INCOMPLETE',
  ),
};

const window = { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: instant, to: instant } };

export const storageSchemas = {
  NewBattery: {
    type: 'object',
    additionalProperties: false,
    required: BATTERY_FIELDS.filter((f) => f !== 'assetId'),
    properties: {
      providerId: id,
      batteryId: id,
      communityId: id,
      zone: id,
      meterId: id,
      capacityWh: int,
      maxChargeW: int,
      maxDischargeW: int,
      roundTripEfficiencyPpm: int,
      latitudeMicro: int,
      longitudeMicro: int,
      availability: { type: 'array', items: window },
      storedPriceMicrosPerKwh: int,
      reservedPriceMicrosPerKwhDay: int,
      penaltyMicrosPerKwh: int,
      assetId: id,
    },
  },
  BatteryAssetLink: { type: 'object', additionalProperties: false, required: ['assetId'], properties: { assetId: id } },
  StateOfChargeReport: { type: 'object', additionalProperties: false, required: ['socWh'], properties: { socWh: int } },
  NewStorageContract: {
    type: 'object',
    additionalProperties: false,
    required: ['clientContractId', 'batteryId', 'reservedWh', 'from', 'to'],
    properties: { clientContractId: id, batteryId: id, reservedWh: int, from: instant, to: instant },
  },
};
