/**
 * The market contracts' transactions in the catalogue (docs/api.md). Over 400 lines: one entry per
 * transaction of the market, credits, bilateral and figures contracts.
 */
import {
  Account,
  BookOrder,
  Clearing,
  ClearingSummary,
  Contract,
  ContractSettlement,
  FeederFlow,
  Interval,
  MarketParams,
  Order,
  Posting,
  TokenTransfer,
  ZonePrice,
} from './records';
import { arg, contractOf } from './transaction';
import { Bool, Dict, Id, Instant, Int, Nullable, OneOf, Opaque, Page, Text, Type } from './schema';

/** `pageSize` (1 to 1000, '' for 100) and the `bookmark` of the previous page ('' for the first). */
const paging = [arg('pageSize', Type.String({ pattern: '^[0-9]*$' })), arg('bookmark', Type.String())] as const;
const interval = [arg('communityId', Id), arg('intervalStart', Instant)] as const;
const communityOperator = {
  roles: ['operator'],
  msps: ['CommunityMSP'],
  rule: 'an operator of CommunityMSP (and the market scheduler)',
} as const;
const settlementReaders = { roles: ['operator', 'utility', 'regulator'], rule: 'the operator, the utility and the regulator' } as const;
const traders = { roles: ['prosumer', 'consumer'], rule: 'a prosumer or consumer acting for itself (gl.id)' } as const;
const anyRole = { roles: 'any', rule: 'any identity with a role' } as const;

const creditEntry = (kind: string) =>
  Type.Object(
    { txId: Text, kind: OneOf([kind]), participantId: Text, amountMicros: Int, reference: Text, at: Text, account: Account },
    { title: `Credit${kind[0].toUpperCase()}${kind.slice(1)}` },
  );
const creditRequest = Type.Object({ participantId: Id, amountMicros: Int, reference: Id });
const utility = { roles: ['utility'], msps: ['UtilityMSP'], rule: 'the utility (settlement bank)' } as const;

/** Payment credits (chaincode/src/market/credits.ts). */
const credits = contractOf('credits');
export const creditsTransactions = {
  deposit: credits.submit('deposit', {
    args: [arg('request', creditRequest)],
    result: creditEntry('deposit'),
    access: utility,
    events: ['CreditsIssued'],
    summary: 'issues credits against a deposit; `reference` makes a retry safe',
  }),
  withdraw: credits.submit('withdraw', {
    args: [arg('request', creditRequest)],
    result: creditEntry('withdrawal'),
    access: utility,
    events: ['CreditsRedeemed'],
    summary: 'redeems credits a participant withdraws',
  }),
  transfer: credits.submit('transfer', {
    args: [arg('request', Type.Object({ toParticipantId: Id, amountMicros: Int, reference: Id }))],
    result: Type.Object(
      { txId: Text, from: Text, to: Text, amountMicros: Int, reference: Text, at: Text, account: Account },
      { title: 'CreditTransfer' },
    ),
    access: traders,
    events: ['CreditsTransferred'],
    summary: 'pays another participant from its own account',
  }),
  getAccount: credits.evaluate('getAccount', {
    args: [arg('participantId', Id)],
    result: Account,
    access: { roles: 'any', ownRecords: true, rule: 'the participant itself, an operator, the utility or the regulator' },
    summary: 'available and escrowed credits',
  }),
  getStatement: credits.evaluate('getStatement', {
    args: [arg('participantId', Id), ...paging],
    result: Page(
      Type.Object(
        { participantId: Text, number: Int, at: Text, txId: Text, kind: Text, availableMicros: Int, escrowMicros: Int, ref: Text },
        { title: 'StatementLine' },
      ),
      'Statement',
    ),
    access: { roles: 'any', ownRecords: true, rule: 'the participant itself, the utility or the regulator' },
    summary: "a page of the participant's statement lines, oldest first",
  }),
  getSupply: credits.evaluate('getSupply', {
    args: [],
    result: Type.Object({ depositsMicros: Int, withdrawalsMicros: Int, supplyMicros: Int, utilityMicros: Int }, { title: 'Supply' }),
    access: settlementReaders,
    summary: "deposits, withdrawals, supply and the utility's account, summed exactly",
  }),
};

const placed = Type.Object({ order: Order, replayed: Bool }, { title: 'PlacedOrder' });
const newOrder = Type.Object({
  clientOrderId: Id,
  communityId: Id,
  intervalStart: Instant,
  side: OneOf(['buy', 'sell']),
  energyWh: Int,
  priceMicrosPerKwh: Int,
});
const curve = Type.Array(Type.Object({ priceMicrosPerKwh: Int, energyWh: Int, cumulativeWh: Int }));
const settledParticipant = Opaque("a participant's settlement: side, traded and delivered Wh, postings, estimated");

/** The local market (chaincode/src/market/market.ts). */
const market = contractOf('market');
export const marketTransactions = {
  setParams: market.submit('setParams', {
    args: [arg('communityId', Id), arg('change', Type.Partial(Type.Omit(MarketParams, ['communityId'])))],
    result: Type.Object(
      {
        number: Int,
        txId: Text,
        communityId: Text,
        effectiveFrom: Text,
        changedAt: Text,
        changedBy: Text,
        mspId: Text,
        previous: Nullable(MarketParams),
        params: MarketParams,
      },
      { title: 'MarketParamsChange' },
    ),
    access: communityOperator,
    events: ['MarketParamsChanged'],
    summary: 'the first record applies at once, later changes from the first interval beyond the opening horizon',
  }),
  getParams: market.evaluate('getParams', {
    args: [arg('communityId', Id), arg('at', Type.String({ description: "an instant, '' for now" }))],
    result: Type.Object(
      { params: MarketParams, changes: Type.Array(Opaque('a recorded change of the parameters')) },
      { title: 'MarketParamsHistory' },
    ),
    access: anyRole,
    summary: 'the parameters in force at `at` and every change',
  }),
  placeOrder: market.submit('placeOrder', {
    args: [arg('request', newOrder)],
    result: placed,
    access: traders,
    events: ['OrderAccepted'],
    summary: 'a buy escrows energy × (price + grid fee); a retry with the same clientOrderId returns the same order (replayed)',
  }),
  placeOrders: market.submit('placeOrders', {
    args: [arg('request', Type.Object({ orders: Type.Array(newOrder) }))],
    result: Type.Object({ orders: Type.Array(placed) }, { title: 'PlacedOrders' }),
    access: traders,
    events: ['OrdersAccepted'],
    summary: 'up to 100 orders in one transaction, all or nothing',
  }),
  cancelOrder: market.submit('cancelOrder', {
    args: [arg('orderId', Id)],
    result: Type.Object({ order: Order, replayed: Bool }, { title: 'CancelledOrder' }),
    access: { roles: ['prosumer', 'consumer'], rule: "the order's owner, before gate closure" },
    events: ['OrderCancelled'],
    summary: 'cancels an open order and releases its escrow',
  }),
  getOrder: market.evaluate('getOrder', {
    args: [arg('orderId', Id)],
    result: Order,
    access: { roles: 'any', ownRecords: true, rule: "the order's owner, an operator or the regulator" },
    summary: 'an order',
  }),
  listOrders: market.evaluate('listOrders', {
    args: [arg('participantId', Id), ...paging],
    result: Page(Order, 'OrderPage'),
    access: { roles: 'any', ownRecords: true, rule: 'the participant itself, an operator or the regulator' },
    summary: "a page of the participant's orders by interval",
  }),
  getCurves: market.evaluate('getCurves', {
    args: [...interval],
    result: Type.Object({ communityId: Text, intervalStart: Text, bids: curve, asks: curve }, { title: 'Curves' }),
    access: anyRole,
    summary: 'the aggregated, anonymous bid and ask curves of the open orders',
  }),
  closeInterval: market.submit('closeInterval', {
    args: [...interval],
    result: Interval,
    access: communityOperator,
    events: ['IntervalClosed'],
    summary: 'closes an interval once its gate has passed, fixing its parameters',
  }),
  clearInterval: market.submit('clearInterval', {
    args: [...interval, arg('page', Type.String({ pattern: '^[0-9]*$', description: "the page meant, '' for the next" }))],
    result: Type.Object(
      { ...ClearingSummary.properties, status: OneOf(['clearing', 'cleared']), page: Int, pageCount: Int },
      { title: 'ClearingStep' },
    ),
    access: communityOperator,
    events: ['IntervalCleared'],
    summary: 'clears the next page of a closed interval',
  }),
  settleInterval: market.submit('settleInterval', {
    args: [...interval, arg('page', Type.String({ pattern: '^[0-9]*$', description: "the page meant, '' for the next" }))],
    result: Type.Object(
      {
        communityId: Text,
        intervalStart: Text,
        settledAt: Text,
        txId: Text,
        pageCount: Int,
        postingCount: Type.Optional(Int),
        estimatedParticipantIds: Type.Optional(Type.Array(Text)),
        status: OneOf(['settling', 'settled']),
        page: Int,
        participants: Type.Array(settledParticipant),
        tokenTransfers: Type.Array(TokenTransfer),
      },
      { title: 'SettlementStep' },
    ),
    access: communityOperator,
    events: ['IntervalSettled'],
    summary: 'settles the next page of a cleared interval against the metered positions',
  }),
  correctSettlement: market.submit('correctSettlement', {
    args: [...interval, arg('participantId', Id)],
    result: Type.Object(
      { participant: settledParticipant, posting: Nullable(Posting), tokenTransfers: Type.Array(TokenTransfer) },
      { title: 'SettlementCorrection' },
    ),
    access: communityOperator,
    events: ['SettlementCorrected'],
    summary: 'settles the verified position of a participant settled on an estimate, once',
  }),
  getInterval: market.evaluate('getInterval', { args: [...interval], result: Interval, access: anyRole, summary: "an interval's state" }),
  getClearing: market.evaluate('getClearing', {
    args: [...interval],
    result: Clearing,
    access: { roles: 'any', rule: 'anyone; a household sees its own fills and trades only' },
    summary: 'the recomputable clearing record with its fills and trades',
  }),
  getClearingOrders: market.evaluate('getClearingOrders', {
    args: [...interval],
    result: Type.Object(
      {
        params: MarketParams,
        orders: Type.Array(BookOrder),
        network: Type.Optional(
          Type.Object(
            {
              network: Type.Array(
                Type.Object({ zoneId: Text, parentZoneId: Nullable(Text), exportLimitWh: Int, importLimitWh: Int, lossPpm: Int }),
              ),
              zoneOf: Dict(Text),
            },
            { title: 'ClearingNetwork', description: 'a zonal interval: the network in Wh per interval and each participant zone' },
          ),
        ),
        island: Type.Optional(Opaque('an islanded interval: since, cause, loadPriorities (docs/islanding.md)')),
        shedding: Type.Optional(Opaque('the load shedding in force: orders, zoneOf, zones (docs/islanding.md)')),
      },
      { title: 'ClearingOrders' },
    ),
    access: settlementReaders,
    summary: 'the orders of a closed interval, as the clearing takes them (with the network when it clears zonal)',
  }),
  getClearingZones: market.evaluate('getClearingZones', {
    args: [...interval],
    result: Type.Object(
      {
        communityId: Text,
        intervalStart: Text,
        clearingMethod: OneOf(['uniform', 'zonal']),
        networkDigest: Nullable(Text),
        congested: Bool,
        priceMicrosPerKwh: Nullable(Int),
        zones: Type.Array(ZonePrice),
        feeders: Type.Array(FeederFlow),
      },
      { title: 'ClearingZones' },
    ),
    access: anyRole,
    summary: "each zone's price and each feeder's flow, binding, losses and congestion rent in the interval's clearing",
  }),
  getSettlement: market.evaluate('getSettlement', {
    args: [...interval],
    result: Type.Object(
      {
        communityId: Text,
        intervalStart: Text,
        settledAt: Text,
        txId: Text,
        pageCount: Int,
        participants: Type.Array(settledParticipant),
        postings: Type.Array(Posting),
        tokenTransfers: Type.Array(TokenTransfer),
      },
      { title: 'Settlement' },
    ),
    access: settlementReaders,
    summary: 'the settlement record, each participant and every posting',
  }),
  listResults: market.evaluate('listResults', {
    args: [arg('communityId', Id), ...paging],
    result: Page(ClearingSummary, 'ResultPage'),
    access: anyRole,
    summary: "a page of the community's clearing summaries, oldest first",
  }),
  listDue: market.evaluate('listDue', {
    args: [arg('communityId', Id), arg('status', OneOf(['closed', 'clearing', 'cleared', 'settling']))],
    result: Type.Array(Text),
    access: { roles: ['operator'], rule: 'an operator (the market scheduler)' },
    summary: 'the intervals waiting for their next step',
  }),
};

const contractChange = Type.Object({ contract: Contract, replayed: Bool }, { title: 'ContractChange' });
const party = { roles: ['prosumer', 'consumer'], rule: 'a party of the contract (seller or buyer)' } as const;

/** Long-term bilateral contracts (chaincode/src/market/contracts.ts). */
const contracts = contractOf('contracts');
export const contractsTransactions = {
  proposeContract: contracts.submit('proposeContract', {
    args: [
      arg(
        'request',
        Opaque('the terms: clientContractId, communityId, sellerId, buyerId, energyWhPerInterval, priceMicrosPerKwh, days, daily window'),
      ),
    ],
    result: contractChange,
    access: { roles: ['prosumer', 'consumer'], rule: 'a prosumer or consumer, as seller or buyer' },
    events: ['ContractProposed'],
    summary: 'proposes a fixed-price contract; a retry with the same clientContractId returns it (replayed)',
  }),
  acceptContract: contracts.submit('acceptContract', {
    args: [arg('contractId', Id)],
    result: contractChange,
    access: party,
    events: ['ContractAccepted'],
    summary: "the other party accepts before the first delivery's gate; a buyer escrows the whole contract",
  }),
  withdrawContract: contracts.submit('withdrawContract', {
    args: [arg('contractId', Id)],
    result: contractChange,
    access: party,
    events: ['ContractWithdrawn'],
    summary: 'either party withdraws a proposal not yet accepted',
  }),
  getContract: contracts.evaluate('getContract', {
    args: [arg('contractId', Id)],
    result: Contract,
    access: { roles: 'any', ownRecords: true, rule: 'its parties, the operator, the utility and the regulator' },
    summary: 'a contract',
  }),
  settleContracts: contracts.submit('settleContracts', {
    args: [...interval],
    result: ContractSettlement,
    access: communityOperator,
    events: ['ContractsSettled'],
    summary: "settles the interval's contract deliveries",
  }),
  correctContractSettlement: contracts.submit('correctContractSettlement', {
    args: [...interval, arg('participantId', Id)],
    result: Type.Object({ participant: Opaque("the party's corrected settlement") }, { title: 'ContractSettlementCorrection' }),
    access: communityOperator,
    events: ['SettlementCorrected'],
    summary: "corrects a party's contract settlement once its position is verified",
  }),
  getContractSettlement: contracts.evaluate('getContractSettlement', {
    args: [...interval],
    result: ContractSettlement,
    access: settlementReaders,
    summary: "the settlement of an interval's contracts",
  }),
};

const ratio = Type.Object({ numerator: Int, denominator: Int, ppm: Nullable(Int) }, { title: 'Ratio' });
const price = Type.Object({ weightedSum: Text, energyWh: Int, microsPerKwh: Nullable(Int) }, { title: 'AveragePrice' });
const figures = {
  intervals: Int,
  clearingPrice: price,
  p2pShareOfDemand: ratio,
  averageP2pPrice: price,
  averagePaidPrice: price,
  averageRetailPrice: price,
  selfSufficiency: ratio,
  selfConsumption: ratio,
  spotVolumeWh: Int,
  contractVolumeWh: Int,
  p2pVolumeWh: Int,
  demandWh: Int,
  productionWh: Int,
  consumptionWh: Int,
  locallyConsumedWh: Int,
  exportedToUtilityWh: Int,
  importedFromUtilityWh: Int,
  activeSellers: Int,
  activeBuyers: Int,
  deviationSuppliedWh: Int,
  deviationTakenWh: Int,
  estimatedPositions: Int,
};

/** The figures every market reports (chaincode/src/market/figures.ts). */
const figuresContract = contractOf('figures');
export const figuresTransactions = {
  getIntervalFigures: figuresContract.evaluate('getIntervalFigures', {
    args: [...interval],
    result: Type.Object({ communityId: Text, intervalStart: Text, ...figures }, { title: 'IntervalFigures' }),
    access: anyRole,
    summary: "one settled interval's figures",
  }),
  getPeriodFigures: figuresContract.evaluate('getPeriodFigures', {
    args: [arg('communityId', Id), arg('from', Instant), arg('to', Instant)],
    result: Type.Object({ communityId: Text, from: Text, to: Text, notSettled: Type.Array(Text), ...figures }, { title: 'PeriodFigures' }),
    access: anyRole,
    summary: 'the figures over a period of settled intervals',
  }),
};
