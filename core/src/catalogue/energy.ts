import {
  Asset,
  AssetEntry,
  CommunityView,
  Dispute,
  Estimate,
  Meter,
  MeterExchange,
  Position,
  PositionAnnouncement,
  Preferences,
  Site,
  Window,
} from './records';
import { arg, contractOf } from './transaction';
import { Bool, Id, Instant, Int, Nullable, Opaque, Page, Text, Type } from './schema';

const ownParticipant = {
  roles: ['prosumer', 'consumer', 'operator'],
  rule: 'the participant itself, or an operator for participants of its own MSP',
} as const;
const readOwn = { roles: 'any', ownRecords: true, rule: 'a household its own; other roles any' } as const;
const producer = { roles: ['prosumer', 'operator'], rule: "the asset's producer, or an operator for participants of its own MSP" } as const;

/** Sites, generation assets and consumer preferences (chaincode/src/energy/assets.ts). */
const assets = contractOf('assets');
export const assetsTransactions = {
  registerSite: assets.submit('registerSite', {
    args: [arg('request', Opaque('siteId, participantId, connectionCapacityW, zone, feeder?'))],
    result: Site,
    access: ownParticipant,
    summary: 'a site with its connection capacity and zone',
  }),
  attachMeter: assets.submit('attachMeter', {
    args: [arg('meterId', Id), arg('siteId', Id)],
    result: Meter,
    access: ownParticipant,
    summary: "attaches a meter to its participant's site: its import is then limited by the connection capacity",
  }),
  listSites: assets.evaluate('listSites', {
    args: [arg('participantId', Id)],
    result: Type.Array(Site),
    access: readOwn,
    summary: "the participant's sites",
  }),
  registerAsset: assets.submit('registerAsset', {
    args: [arg('request', Opaque('assetId, participantId, source, capacityW and where it is'))],
    result: Asset,
    access: producer,
    events: ['AssetRegistered'],
    summary: 'a generation asset',
  }),
  verifyAsset: assets.submit('verifyAsset', {
    args: [arg('assetId', Id)],
    result: Asset,
    access: { roles: ['regulator'], rule: 'the regulator' },
    events: ['AssetVerified'],
    summary: 'the regulator verifies an asset (once)',
  }),
  addAssetRecord: assets.submit('addAssetRecord', {
    args: [arg('assetId', Id), arg('entry', Opaque('kind (maintenance or inspection), performedOn, note, documentHash?'))],
    result: Asset,
    access: producer,
    summary: 'a maintenance or inspection record',
  }),
  getAsset: assets.evaluate('getAsset', {
    args: [arg('assetId', Id)],
    result: Type.Object({ ...Asset.properties, records: Type.Array(AssetEntry) }, { title: 'AssetWithRecords' }),
    access: readOwn,
    summary: 'an asset with its records',
  }),
  getAssetHistory: assets.evaluate('getAssetHistory', {
    args: [arg('assetId', Id)],
    result: Type.Array(Type.Object({ txId: Text, timestamp: Int, isDelete: Bool, value: Nullable(Asset) }, { title: 'AssetVersion' })),
    access: readOwn,
    summary: 'every version of the asset record, oldest first (its own records: the peers keep no history database)',
  }),
  listAssets: assets.evaluate('listAssets', {
    args: [arg('participantId', Id)],
    result: Type.Array(Asset),
    access: readOwn,
    summary: "the participant's assets",
  }),
  setPreferences: assets.submit('setPreferences', {
    args: [arg('participantId', Id), arg('preferences', Opaque('sources and locality'))],
    result: Preferences,
    access: ownParticipant,
    summary: 'sources and locality for matching',
  }),
  getPreferences: assets.evaluate('getPreferences', {
    args: [arg('participantId', Id)],
    result: Preferences,
    access: readOwn,
    summary: "the participant's preferences",
  }),
};

const detail = {
  roles: ['prosumer', 'consumer', 'operator', 'utility'],
  ownRecords: true,
  rule: 'the household itself, the operator and the utility (not the regulator, not a battery provider)',
} as const;
const communityOperator = { roles: ['operator'], msps: ['CommunityMSP'], rule: 'an operator of CommunityMSP' } as const;
/** A household's consumption of an interval as it discloses it: with the salt, its hash is the one on the channel. */
const disclosure = Type.Object(
  { participantId: Text, intervalStart: Text, consumptionWh: Int, salt: Text },
  { title: 'ConsumptionDisclosure' },
);
const disputeChange = Opaque('a dispute: meterId, intervalStart, reason');

/** Window close, positions, energy tokens, meter exchange and retirement, disputes (chaincode/src/energy/contract.ts). */
const energy = contractOf('energy');
export const energyTransactions = {
  closeWindow: energy.submit('closeWindow', {
    args: [arg('communityId', Id), arg('intervalStart', Instant)],
    result: Type.Object(
      {
        window: Type.Optional(Window),
        alreadyClosed: Type.Optional(Bool),
        closing: Type.Optional(Opaque('the cursor of a close that takes more transactions: call again')),
        positions: Type.Optional(Type.Array(PositionAnnouncement)),
      },
      { title: 'WindowClose' },
    ),
    access: communityOperator,
    events: ['WindowClosed'],
    summary: "closes a page of a community's metering window: positions, estimates, tokens",
  }),
  getWindow: energy.evaluate('getWindow', {
    args: [arg('communityId', Id), arg('intervalStart', Instant)],
    result: Window,
    access: { roles: 'any', rule: 'anyone (a household: counts and participant ids, no values)' },
    summary: "a community's window, closed or not",
  }),
  getPosition: energy.evaluate('getPosition', {
    args: [arg('participantId', Id), arg('intervalStart', Instant)],
    result: Position,
    access: detail,
    summary: "a participant's position of an interval",
  }),
  listPositions: energy.evaluate('listPositions', {
    args: [
      arg(
        'query',
        Type.Object({ participantId: Id, from: Instant, to: Instant, pageSize: Type.Optional(Int), bookmark: Type.Optional(Text) }),
      ),
    ],
    result: Page(Position, 'PositionPage'),
    access: detail,
    summary: "a page of the participant's positions by interval",
  }),
  getCommunityView: energy.evaluate('getCommunityView', {
    args: [arg('communityId', Id), arg('intervalStart', Instant)],
    result: CommunityView,
    access: { roles: 'any', rule: 'anyone: zone totals' },
    summary: "a community's production, consumption and net exchange, per zone",
  }),
  getTokenBalance: energy.evaluate('getTokenBalance', {
    args: [arg('participantId', Id)],
    result: Type.Object(
      { owner: Text, balanceWh: Int, lots: Type.Array(Opaque('a lot of energy tokens of one interval and asset')) },
      { title: 'TokenBalance' },
    ),
    access: detail,
    summary: "the participant's energy tokens and their lots",
  }),
  listTokenMoves: energy.evaluate('listTokenMoves', {
    args: [arg('query', Type.Object({ participantId: Id, pageSize: Type.Optional(Int), bookmark: Type.Optional(Text) }))],
    result: Page(Opaque('a mint, burn or transfer of tokens'), 'TokenMovePage'),
    access: detail,
    summary: "a page of every move of the participant's tokens",
  }),
  getEstimate: energy.evaluate('getEstimate', {
    args: [arg('meterId', Id), arg('intervalStart', Instant)],
    result: Estimate,
    access: readOwn,
    summary: 'an estimate and what superseded it',
  }),
  exchangeMeter: energy.submit('exchangeMeter', {
    args: [arg('request', Opaque('meterId, effectiveFrom, publicKeyPem, seq and register baselines'))],
    result: MeterExchange,
    access: communityOperator,
    events: ['MeterExchanged'],
    summary: 'a new device for a meter from `effectiveFrom` on (a new epoch)',
  }),
  retireMeter: energy.submit('retireMeter', {
    args: [arg('meterId', Id)],
    result: Meter,
    access: { roles: ['operator'], rule: "an operator of the meter's MSP" },
    summary: 'retires a meter: its new readings are refused',
  }),
  disputeReading: energy.submit('disputeReading', {
    args: [arg('request', Type.Object({ meterId: Id, intervalStart: Instant, reason: Text }))],
    result: Dispute,
    access: ownParticipant,
    events: ['ReadingDisputed'],
    summary: 'disputes a reading or estimate; both stay on the ledger',
  }),
  resolveDispute: energy.submit('resolveDispute', {
    args: [arg('request', disputeChange)],
    result: Dispute,
    access: communityOperator,
    events: ['DisputeResolved'],
    summary: 'resolves an open dispute, correcting the position if need be',
  }),
  getConsumption: energy.evaluate('getConsumption', {
    args: [arg('participantId', Id), arg('intervalStart', Instant)],
    result: Type.Object(
      { value: disclosure, sha256: Text },
      { title: 'Consumption', description: 'the value a household may disclose, and its hash on the channel' },
    ),
    access: detail,
    summary: "a household's consumption from the private collection",
  }),
  verifyConsumption: energy.evaluate('verifyConsumption', {
    args: [arg('participantId', Id), arg('intervalStart', Instant), arg('disclosed', disclosure)],
    result: Type.Object({ matches: Bool, onChainSha256: Text, disclosedSha256: Text }, { title: 'ConsumptionCheck' }),
    access: { roles: 'any', rule: 'anyone' },
    summary: 'checks a disclosed consumption against the hash on the channel',
  }),
  getDispute: energy.evaluate('getDispute', {
    args: [arg('meterId', Id), arg('intervalStart', Instant)],
    result: Dispute,
    access: detail,
    summary: 'a dispute',
  }),
};
