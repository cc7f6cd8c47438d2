import { BACKFILL_KINDS, catalogue, type Transaction } from '@gridledger/core/catalogue';
import { answer } from './answers';
import { instant } from './schemas';
import { common, err, p } from './grid';

/** OpenAPI paths and schemas of the paged lists (routes/lists.ts, docs/api.md *Lists*). */
const { lists } = catalogue;
const q = (name: string, schema: object, description: string) => ({ name, in: 'query', required: false, description, schema });
/** `pageSize` and `bookmark`, as every paged list takes them. */
export const paging = [
  q('pageSize', { type: 'integer', minimum: 1, maximum: 500 }, 'items a page (default 100)'),
  {
    ...q('bookmark', { type: 'string', maxLength: 1024 }, 'from the previous page; empty or absent: the first page'),
    allowEmptyValue: true,
  },
];
const period = [
  { ...q('from', instant, 'the first instant of the period (default: the first entry)'), allowReserved: true },
  { ...q('to', instant, 'the instant after the period (default: none)'), allowReserved: true },
];
const list = (operationId: string, tx: Transaction, parameters: object[], description: string) => ({
  get: { operationId, description, parameters: [...parameters, ...paging], responses: { '200': answer(tx), ...common } },
});
const community = p('communityId');
const participant = p('participantId');

export const listPaths = {
  '/communities/{communityId}/disputes': list(
    'listOpenDisputes',
    lists.listOpenDisputes,
    [community],
    "The community's open disputes, by meter and interval (a dispute leaves the list once resolved): the operator and the utility.",
  ),
  '/communities/{communityId}/resolved-disputes': list(
    'listResolvedDisputes',
    lists.listResolvedDisputes,
    [community, ...period],
    "The community's disputes resolved in [from, to), oldest first by resolution time: the operator and the utility.",
  ),
  '/communities/{communityId}/unverified-assets': list(
    'listUnverifiedAssets',
    lists.listUnverifiedAssets,
    [community],
    "The community's assets awaiting the regulator's verification, by asset id: the operator, the utility and the regulator.",
  ),
  '/communities/{communityId}/bank-entries': list(
    'listCommunityBankEntries',
    lists.listCommunityBankEntries,
    [community, ...period],
    "The deposits and withdrawals of the community's participants in [from, to), oldest first: the utility.",
  ),
  '/communities/{communityId}/participants': list(
    'listCommunityParticipants',
    lists.listParticipants,
    [community],
    'The participants with meters in the community, by id: the operator and the utility (a household reads its own record).',
  ),
  '/communities/{communityId}/meters': list(
    'listCommunityMeters',
    lists.listCommunityMeters,
    [community],
    "The community's meters, by participant and meter id: the operator and the utility.",
  ),
  '/communities/{communityId}/contracts': list(
    'listCommunityContracts',
    lists.listCommunityContracts,
    [community],
    "The community's bilateral contracts, by id: the operator, the utility and the regulator.",
  ),
  '/participants/{participantId}/disputes': list(
    'listParticipantDisputes',
    lists.listDisputes,
    [participant],
    "The participant's disputes, open and resolved, by meter and interval: the participant, the operator and the utility.",
  ),
  '/participants/{participantId}/contracts': list(
    'listParticipantContracts',
    lists.listContracts,
    [participant],
    "The participant's bilateral contracts as seller or buyer, by id: the participant, the operator, the utility and the regulator.",
  ),
  '/participants/{participantId}/bank-entries': list(
    'listParticipantBankEntries',
    lists.listBankEntries,
    [participant, ...period],
    "The participant's deposits and withdrawals in [from, to), oldest first: the participant and the utility.",
  ),
  '/participants/{participantId}/storage-contracts': list(
    'listParticipantStorageContracts',
    catalogue.storage.listStorageContracts,
    [participant],
    "The participant's storage contracts as buyer or as battery provider, by id, each with its status now: the participant, " +
      'the operator, the utility and the regulator.',
  ),
  '/list-indexes/backfill': {
    post: {
      operationId: 'backfillListIndexes',
      description:
        'Once after upgrading a ledger that holds records from before the list indexes (docs/operations.md): writes the indexes of ' +
        'one page of one kind of record; repeat with the answered `bookmark` until it is empty, for each kind. An operator or the ' +
        'regulator.',
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/IndexBackfillRequest' } } } },
      responses: {
        '200': {
          description: 'the indexes of the page written, and the bookmark of the next page',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['kind', 'indexed', 'bookmark', 'txId'],
                properties: {
                  kind: { type: 'string' },
                  indexed: { type: 'integer' },
                  bookmark: { type: 'string' },
                  txId: { type: 'string' },
                },
              },
            },
          },
        },
        ...common,
        '400': err('REQUEST_INVALID'),
      },
    },
  },
};

export const listSchemas = {
  IndexBackfillRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['kind'],
    properties: {
      kind: { type: 'string', enum: [...BACKFILL_KINDS] },
      pageSize: { type: 'integer', minimum: 1, maximum: 500 },
      bookmark: { type: 'string', maxLength: 1024 },
    },
  },
};
