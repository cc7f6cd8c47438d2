import { catalogue, type Transaction } from '@gridledger/core/catalogue';
import { CONTRACT_FIELDS } from '@gridledger/core/market';
import { answer } from './answers';
import { id, instant } from './schemas';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const { contracts } = catalogue;
const common = {
  '400': err('REQUEST_INVALID or CONTRACT_INVALID'),
  '401': err('UNAUTHENTICATED'),
  '403': err('ACCESS_DENIED'),
  '503': err('LEDGER_UNAVAILABLE'),
};
const p = (name: string, schema: object = id) => ({ name, in: 'path', required: true, schema });
const contractStep = (operationId: string, tx: Transaction, description: string) => ({
  post: {
    operationId,
    description,
    parameters: [p('contractId')],
    responses: {
      '200': answer(tx),
      '404': err('CONTRACT_NOT_FOUND'),
      '409': err('CONTRACT_STATE_CONFLICT'),
      '422': err('INSUFFICIENT_CREDITS, SELLER_CAPACITY_EXCEEDED'),
      ...common,
    },
  },
});
const intervalParams = [p('communityId'), p('intervalStart', instant)];

export const contractPaths = {
  '/contracts': {
    post: {
      operationId: 'proposeContract',
      description:
        'The seller or the buyer proposes a fixed-price contract for a volume in every interval of a daily UTC window over a range of ' +
        'days; a buyer escrows the whole contract. A retry with the same clientContractId returns it (200).',
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewContract' } } } },
      responses: {
        '201': answer(contracts.proposeContract, 'proposed'),
        '200': answer(contracts.proposeContract, 'the same contract, proposed before'),
        '404': err('MARKET_NOT_FOUND'),
        '409': err('CLIENT_ID_REUSED, CONTRACT_STATE_CONFLICT'),
        '422': err('INSUFFICIENT_CREDITS'),
        ...common,
      },
    },
  },
  '/contracts/{contractId}': {
    get: {
      operationId: 'getContract',
      parameters: [p('contractId')],
      responses: { '200': answer(contracts.getContract), '404': err('CONTRACT_NOT_FOUND'), ...common },
    },
  },
  '/contracts/{contractId}/acceptance': contractStep(
    'acceptContract',
    contracts.acceptContract,
    "The other party accepts before the first delivery's gate; an accepting buyer escrows the whole contract.",
  ),
  '/contracts/{contractId}/withdrawal': contractStep(
    'withdrawContract',
    contracts.withdrawContract,
    "Either party withdraws or declines a proposal; the buyer's escrow comes back.",
  ),
  '/markets/{communityId}/intervals/{intervalStart}/contract-settlement': {
    post: {
      operationId: 'settleContracts',
      description: 'Operator; after delivery, with the metering windows closed and before the spot settlement; only once.',
      parameters: intervalParams,
      responses: {
        '200': answer(contracts.settleContracts),
        '409': err('INTERVAL_STATE_CONFLICT or SETTLEMENT_METERING_INCOMPLETE'),
        ...common,
      },
    },
    get: {
      operationId: 'getContractSettlement',
      parameters: intervalParams,
      responses: { '200': answer(contracts.getContractSettlement), '404': err('INTERVAL_NOT_FOUND'), ...common },
    },
  },
  '/markets/{communityId}/intervals/{intervalStart}/contract-settlement/corrections/{participantId}': {
    post: {
      operationId: 'correctContractSettlement',
      description: 'Operator; settles the verified position of a contract-only party settled on an estimate, once.',
      parameters: [...intervalParams, p('participantId')],
      responses: {
        '200': answer(contracts.correctContractSettlement),
        '404': err('INTERVAL_NOT_FOUND'),
        '409': err('INTERVAL_STATE_CONFLICT or SETTLEMENT_METERING_INCOMPLETE'),
        ...common,
      },
    },
  },
};

export const contractSchemas = {
  NewContract: {
    type: 'object',
    additionalProperties: false,
    required: ['clientContractId', ...CONTRACT_FIELDS],
    properties: {
      clientContractId: id,
      communityId: id,
      sellerId: id,
      buyerId: id,
      energyWhPerInterval: { type: 'integer' },
      priceMicrosPerKwh: { type: 'integer' },
      firstDay: { type: 'string', example: '2026-12-01' },
      lastDay: { type: 'string', example: '2026-12-31' },
      dailyFrom: { type: 'string', example: '10:00' },
      dailyTo: { type: 'string', example: '14:00' },
    },
  },
};
