import { Asset, ClearingSummary, Contract, Dispute, Meter, Participant } from './records';
import { arg, contractOf } from './transaction';
import { Id, Int, OneOf, Page, Text, Type } from './schema';

/** `pageSize` (1 to 500, '' for 100) and the `bookmark` of the previous page ('' for the first). */
const paging = [arg('pageSize', Type.String({ pattern: '^[0-9]*$' })), arg('bookmark', Type.String())] as const;
/** A period of instants, [from, to): '' for no bound. */
const period = [arg('from', Type.String()), arg('to', Type.String())] as const;
const community = arg('communityId', Id);
const participant = arg('participantId', Id);
const communityReaders = { roles: ['operator', 'utility'], rule: 'the operator and the utility (no household, no regulator)' } as const;
const oversight = { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' } as const;

/** The kinds of records a backfill indexes (chaincode/src/lists/backfill.ts). */
export const BACKFILL_KINDS = [
  'disputes',
  'assets',
  'bank',
  'participants',
  'contracts',
  'results',
  'storage-contracts',
  'flex-resources',
  'dispatches',
] as const;
const backfillKind = arg('kind', OneOf(BACKFILL_KINDS));
const backfillers = {
  roles: ['operator', 'regulator'],
  msps: ['CommunityMSP', 'RegulatorMSP'],
  rule: 'an operator of CommunityMSP or the regulator of RegulatorMSP, once after an upgrade',
} as const;

export const BankEntry = Type.Object(
  { txId: Text, kind: OneOf(['deposit', 'withdrawal']), participantId: Text, amountMicros: Int, reference: Text, at: Text },
  { title: 'BankEntry', description: 'a deposit or a withdrawal' },
);

/** Paged lists over indexes written with their records (chaincode/src/lists). */
const lists = contractOf('lists');
export const listsTransactions = {
  listOpenDisputes: lists.evaluate('listOpenDisputes', {
    args: [community, ...paging],
    result: Page(Dispute, 'DisputePage'),
    access: communityReaders,
    summary: "a page of the community's open disputes, by meter and interval",
  }),
  listResolvedDisputes: lists.evaluate('listResolvedDisputes', {
    args: [community, ...period, ...paging],
    result: Page(Dispute, 'DisputePage'),
    access: communityReaders,
    summary: "a page of the community's disputes resolved in [from, to), oldest first (the certificate scheduler's sweep)",
  }),
  listDisputes: lists.evaluate('listDisputes', {
    args: [participant, ...paging],
    result: Page(Dispute, 'DisputePage'),
    access: {
      roles: ['prosumer', 'consumer', 'operator', 'utility'],
      ownRecords: true,
      rule: 'the participant itself, the operator, the utility',
    },
    summary: "a page of the participant's disputes, open and resolved, by meter and interval",
  }),
  listUnverifiedAssets: lists.evaluate('listUnverifiedAssets', {
    args: [community, ...paging],
    result: Page(Asset, 'AssetPage'),
    access: oversight,
    summary: "a page of the community's assets awaiting the regulator's verification, by asset id",
  }),
  listCommunityBankEntries: lists.evaluate('listCommunityBankEntries', {
    args: [community, ...period, ...paging],
    result: Page(BankEntry, 'BankEntryPage'),
    access: { roles: ['utility'], rule: 'the utility' },
    summary: "a page of the deposits and withdrawals of the community's participants in [from, to), oldest first",
  }),
  listBankEntries: lists.evaluate('listBankEntries', {
    args: [participant, ...period, ...paging],
    result: Page(BankEntry, 'BankEntryPage'),
    access: { roles: ['prosumer', 'consumer', 'utility'], ownRecords: true, rule: 'the participant itself and the utility' },
    summary: "a page of the participant's deposits and withdrawals in [from, to), oldest first",
  }),
  listParticipants: lists.evaluate('listParticipants', {
    args: [community, ...paging],
    result: Page(Participant, 'ParticipantPage'),
    access: communityReaders,
    summary: 'a page of the participants with meters in the community, by id',
  }),
  listCommunityMeters: lists.evaluate('listCommunityMeters', {
    args: [community, ...paging],
    result: Page(Meter, 'MeterPage'),
    access: communityReaders,
    summary: "a page of the community's meters, by participant and meter id",
  }),
  listContracts: lists.evaluate('listContracts', {
    args: [participant, ...paging],
    result: Page(Contract, 'ContractPage'),
    access: {
      roles: ['prosumer', 'consumer', 'operator', 'utility', 'regulator'],
      ownRecords: true,
      rule: 'the participant itself, the operator, the utility and the regulator',
    },
    summary: "a page of the participant's bilateral contracts, as seller or buyer, by id",
  }),
  listCommunityContracts: lists.evaluate('listCommunityContracts', {
    args: [community, ...paging],
    result: Page(Contract, 'ContractPage'),
    access: oversight,
    summary: "a page of the community's bilateral contracts, by id",
  }),
  listLatestResults: lists.evaluate('listLatestResults', {
    args: [community, ...paging],
    result: Page(ClearingSummary, 'ResultPage'),
    access: { roles: 'any', rule: 'any identity with a role' },
    summary: "a page of the community's clearing summaries, newest first",
  }),
  readBackfillPage: lists.evaluate('readBackfillPage', {
    args: [backfillKind, ...paging],
    result: Type.Object({ kind: Text, ids: Type.Array(Type.Array(Text)), bookmark: Text }, { title: 'BackfillPage' }),
    access: backfillers,
    summary: 'a page of the records of a kind stored before the list indexes, as their key attributes',
  }),
  backfillIndexes: lists.submit('backfillIndexes', {
    args: [backfillKind, arg('ids', Type.Array(Type.Array(Text), { maxItems: 500 }))],
    result: Type.Object({ kind: Text, indexed: Int }, { title: 'IndexBackfill' }),
    access: backfillers,
    summary: 'writes the list indexes of the records readBackfillPage named',
  }),
};
