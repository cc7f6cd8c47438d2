/**
 * Long-term bilateral contracts on the ledger: a thin shell over core/src/market/contracts.ts.
 * One party proposes (seller or buyer, for itself), the other accepts, before the gate of the
 * first delivery interval closes. The buyer's money for the whole contract is escrowed when the
 * buyer proposes or accepts. After each delivered interval, settleContracts settles the deliveries
 * of the community's active contracts once, against the energy positions, before the spot
 * settlement, which then sees the positions with the contract volume taken out (delivery.ts).
 *
 * Just over 400 lines: one contract class, the bilateral contract's whole lifecycle (propose,
 * accept, withdraw, settle); its store and delivery rules live in bilateral-store.ts and
 * delivery.ts.
 */
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  canonicalJson,
  correctContractParty,
  compareIds,
  contractEscrowMicros,
  deliverySchedule,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  intervalPhase,
  islandContractSettlement,
  islandPriceOf,
  orderIdOf,
  parseDay,
  settleContracts,
  UTILITY_ACCOUNT,
  validateContractTerms,
} from '@gridledger/core';
import { actorOf, requireOperator, requireRole, requireSelfOrRoles, requireTrader } from '../access';
import { checkId, instantOf, parseObjectArgument } from '../args';
import { key, KeyTypes } from '../keys';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { respond } from '../respond';
import { AccountOverlay } from './accounts';
import { ContractRecord, contractsDeliveringIn, ContractSettlementRecord, indexDeliveryDays, loadContract } from './bilateral-store';
import { loadClearing, loadClearingRecord } from './clearing';
import { settlesIslanded } from '../grid/island';
import { meteringIntervalsOf, positionOver, sellCapacityWh } from './delivery';
import { loadInterval } from './interval';
import { paramsFor } from './params';
import { applyPostings } from './settlement';
import { settleTokens } from './settlement-tokens';
import { indexContract } from '../lists/indexes';

function stateConflict(message: string, details: Record<string, string>): GridLedgerError {
  return new GridLedgerError(ErrorCodes.CONTRACT_STATE_CONFLICT, message, details);
}

/** Refuses (CONTRACT_STATE_CONFLICT) once the gate of the contract's first delivery interval has closed. */
function requireBeforeFirstGate(
  ctx: Context,
  c: Pick<ContractRecord, 'firstDay' | 'dailyFrom' | 'lastDay' | 'dailyTo'>,
  params: Parameters<typeof intervalPhase>[0],
): void {
  const { firstStart } = deliverySchedule(c as ContractRecord, params.intervalSeconds);
  if (intervalPhase(params, firstStart, txSeconds(ctx)) === 'gate-closed') {
    throw stateConflict(`the gate of the first delivery interval ${formatInstant(firstStart)} has closed`, {
      firstDelivery: formatInstant(firstStart),
    });
  }
}

async function takeEscrow(ctx: Context, c: ContractRecord): Promise<void> {
  const accounts = new AccountOverlay(ctx);
  await accounts.requireAvailable(c.buyerId, c.escrowMicros);
  await accounts.change(c.buyerId, 'escrow', c.contractId, -c.escrowMicros, c.escrowMicros);
  await accounts.flush();
}

/** Bilateral contracts (namespace `contracts`): the Fabric contract of long-term bilateral energy contracts (docs/glossary.md). */
@Info({ title: 'contracts', description: 'Long-term bilateral fixed-price contracts' })
export class BilateralContract extends Contract {
  constructor() {
    super('contracts');
  }

  /**
   * `{ clientContractId, communityId, sellerId, buyerId, energyWhPerInterval, priceMicrosPerKwh,
   * firstDay, lastDay, dailyFrom, dailyTo }` by the seller or the buyer for itself. A buyer's
   * proposal escrows the whole contract. A retry with the same clientContractId returns it.
   */
  @Transaction()
  @Returns('string')
  async proposeContract(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'proposeContract', async () => {
      const caller = requireTrader(ctx, 'proposing a contract');
      const input = parseObjectArgument(request, 'the contract');
      const { clientContractId: rawClientId, ...rest } = input;
      const clientContractId = checkId(rawClientId, 'clientContractId');
      const contractId = orderIdOf(caller.participantId, `contract\n${clientContractId}`).replace(/^o/, 'k');
      const existing = await loadContract(ctx, contractId);
      if (existing !== undefined) {
        if (existing.request !== canonicalJson(rest)) {
          throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientContractId ${clientContractId} was used for another contract`, {
            clientContractId,
          });
        }
        return { contract: existing, replayed: true };
      }
      const communityId = checkId(rest.communityId, 'communityId');
      const first = parseDay(rest.firstDay);
      const params = await paramsFor(ctx, communityId, first ?? txSeconds(ctx));
      const terms = validateContractTerms(rest, params);
      if (caller.participantId !== terms.sellerId && caller.participantId !== terms.buyerId) {
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'a participant proposes contracts for itself, as seller or buyer', {
          participantId: caller.participantId,
        });
      }
      requireBeforeFirstGate(ctx, terms, params);
      const record: ContractRecord = {
        ...terms,
        contractId,
        clientContractId,
        request: canonicalJson(rest),
        status: 'proposed',
        proposedBy: caller.participantId,
        proposedAt: txInstant(ctx),
        intervalSeconds: params.intervalSeconds,
        gridFeeMicrosPerKwh: params.gridFeeMicrosPerKwh,
        escrowMicros: contractEscrowMicros(terms, params.intervalSeconds, params.gridFeeMicrosPerKwh),
        escrowTaken: caller.participantId === terms.buyerId,
        txId: ctx.stub.getTxID(),
      };
      if (record.escrowTaken) await takeEscrow(ctx, record);
      await putRecord(ctx, key(ctx, KeyTypes.contract, contractId), record);
      for (const id of [terms.sellerId, terms.buyerId]) await putRecord(ctx, key(ctx, KeyTypes.contractBy, id, contractId), { contractId });
      await indexContract(ctx, communityId, contractId);
      setEvent(ctx, 'ContractProposed', { contractId, communityId, sellerId: terms.sellerId, buyerId: terms.buyerId });
      return { contract: record, replayed: false };
    });
  }

  /** The other party accepts a proposed contract before the first delivery's gate; an accepting buyer escrows the whole contract now. */
  @Transaction()
  @Returns('string')
  async acceptContract(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'acceptContract', async () => {
      const caller = requireTrader(ctx, 'accepting a contract');
      const c = await this.party(ctx, contractId, caller.participantId);
      if (c.status === 'active' && c.proposedBy !== caller.participantId) return { contract: c, replayed: true };
      if (c.status !== 'proposed') throw stateConflict(`contract ${contractId} is ${c.status}`, { status: c.status });
      if (c.proposedBy === caller.participantId)
        throw stateConflict('the other party accepts a proposal, not its proposer', { status: c.status });
      const params = await paramsFor(ctx, c.communityId, parseDay(c.firstDay)!);
      requireBeforeFirstGate(ctx, c, params);
      if (caller.participantId === c.sellerId) {
        const { capacityWh } = await sellCapacityWh(ctx, c.sellerId, c.communityId, c.intervalSeconds);
        if (capacityWh < c.energyWhPerInterval)
          throw new GridLedgerError(
            ErrorCodes.SELLER_CAPACITY_EXCEEDED,
            `the seller's meters export at most ${capacityWh} Wh per interval`,
            { capacityWh },
          );
      }
      const record: ContractRecord = { ...c, status: 'active', acceptedAt: txInstant(ctx), escrowTaken: true };
      if (!c.escrowTaken) await takeEscrow(ctx, record);
      await putRecord(ctx, key(ctx, KeyTypes.contract, contractId), record);
      await indexDeliveryDays(ctx, record);
      setEvent(ctx, 'ContractAccepted', { contractId, communityId: c.communityId, sellerId: c.sellerId, buyerId: c.buyerId });
      return { contract: record, replayed: false };
    });
  }

  /** Either party withdraws (or declines) a proposal not yet accepted; the buyer's escrow comes back. */
  @Transaction()
  @Returns('string')
  async withdrawContract(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'withdrawContract', async () => {
      const caller = requireTrader(ctx, 'withdrawing a contract');
      const c = await this.party(ctx, contractId, caller.participantId);
      if (c.status === 'withdrawn') return { contract: c, replayed: true };
      if (c.status !== 'proposed') throw stateConflict(`contract ${contractId} is ${c.status}`, { status: c.status });
      if (c.escrowTaken) {
        const accounts = new AccountOverlay(ctx);
        await accounts.change(c.buyerId, 'escrow-refund', contractId, c.escrowMicros, -c.escrowMicros);
        await accounts.flush();
      }
      const record: ContractRecord = { ...c, status: 'withdrawn', withdrawnAt: txInstant(ctx), escrowTaken: false };
      await putRecord(ctx, key(ctx, KeyTypes.contract, contractId), record);
      setEvent(ctx, 'ContractWithdrawn', {
        contractId,
        communityId: c.communityId,
        sellerId: c.sellerId,
        buyerId: c.buyerId,
        by: actorOf(ctx, caller),
      });
      return { contract: record, replayed: false };
    });
  }

  /** A contract, for its parties and the operator, utility and regulator. */
  @Transaction(false)
  @Returns('string')
  async getContract(ctx: Context, contractId: string): Promise<string> {
    return respond(ctx, 'getContract', async () => {
      checkId(contractId, 'contractId');
      const c = await loadContract(ctx, contractId);
      if (c === undefined) throw new GridLedgerError(ErrorCodes.CONTRACT_NOT_FOUND, `no contract ${contractId}`, { contractId });
      const caller = requireRole(ctx, 'any', 'reading a contract');
      if (caller.participantId !== c.buyerId)
        requireSelfOrRoles(ctx, c.sellerId, ['operator', 'utility', 'regulator'], 'reading a contract');
      return c;
    });
  }

  /**
   * Settles the deliveries of the community's active contracts in one delivered market interval,
   * once (operator): needs the interval cleared (its spot fills say whose deviation the spot
   * settlement settles) and its metering windows closed. Trades at the contract price out of the
   * buyer's escrow, the grid fee, the deviations of parties without spot orders, and tokens for
   * delivered energy (what the seller holds; the rest recorded as undeliveredWh).
   */
  @Transaction()
  @Returns('string')
  async settleContracts(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'settleContracts', async () => {
      requireOperator(ctx, 'settling contracts');
      checkId(communityId, 'communityId');
      const start = instantOf(intervalStart, 'intervalStart');
      const markerKey = key(ctx, KeyTypes.contractSettled, communityId, formatInstant(start));
      if ((await getRecord(ctx, markerKey)) !== undefined)
        throw new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, `the contracts of ${intervalStart} are settled`, {
          step: 'settle-contracts',
          status: 'settled',
        });
      const interval = await loadInterval(ctx, communityId, formatInstant(start));
      if (interval === undefined || interval.status === 'closed')
        throw new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, `interval ${intervalStart} is not cleared`, {
          step: 'settle-contracts',
          status: interval?.status ?? 'open',
        });
      const { params } = interval;
      if (txSeconds(ctx) < start + params.intervalSeconds)
        throw new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, `interval ${intervalStart} has not been delivered yet`, {
          step: 'settle-contracts',
          status: interval.status,
        });
      const contracts = (await contractsDeliveringIn(ctx, communityId, start)).filter((c) => c.intervalSeconds === params.intervalSeconds);
      const parties = [...new Set(contracts.flatMap((c) => [c.sellerId, c.buyerId]))].sort(compareIds);
      const meteringIntervals = await meteringIntervalsOf(ctx, start, params.intervalSeconds);
      const positions = new Map<string, { netWh: number; estimated: boolean }>();
      const pending: string[] = [];
      for (const id of parties) {
        const p = await positionOver(ctx, communityId, id, meteringIntervals);
        if (p.kind === 'settled') positions.set(id, p);
        else pending.push(id);
      }
      if (pending.length > 0)
        throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'the metering windows of the interval are not closed', {
          participantIds: pending.join(','),
        });
      const clearing = await loadClearing(ctx, communityId, formatInstant(start));
      const spot = new Set(clearing.fills.map((f) => f.participantId));
      const deliveries = contracts.map((c) => ({
        contractId: c.contractId,
        sellerId: c.sellerId,
        buyerId: c.buyerId,
        energyWh: c.energyWhPerInterval,
        priceMicrosPerKwh: c.priceMicrosPerKwh,
        gridFeeMicrosPerKwh: c.gridFeeMicrosPerKwh,
      }));
      const connected = settleContracts(deliveries, positions, spot, { ...params, utilityId: UTILITY_ACCOUNT });
      // Islanded: the utility neither buys nor sells; the contract-only parties' deviations are shared among them.
      const islanded = await settlesIslanded(ctx, communityId, await loadClearingRecord(ctx, communityId, formatInstant(start)), start);
      const result = islanded ? islandContractSettlement(connected, islandPriceOf(clearing, params)) : connected;
      const { postings } = result;
      const accounts = new AccountOverlay(ctx);
      await applyPostings(ctx, accounts, communityId, formatInstant(start), postings, 'contracts');
      await accounts.flush();
      const tokenTransfers = [];
      for (const t of result.tokenTransfers)
        tokenTransfers.push(
          await settleTokens(ctx, t, meteringIntervals, `${communityId}/${formatInstant(start)}/contract:${t.contractId}`),
        );
      const record: ContractSettlementRecord = {
        communityId,
        intervalStart: formatInstant(start),
        settledAt: txInstant(ctx),
        txId: ctx.stub.getTxID(),
        contractIds: contracts.map((c) => c.contractId),
        parties: result.parties,
        postings,
        tokenTransfers,
        ...(islanded ? { islanded: true } : {}),
      };
      await putRecord(ctx, markerKey, record);
      setEvent(ctx, 'ContractsSettled', { communityId, intervalStart: record.intervalStart, contractIds: record.contractIds });
      return record;
    });
  }

  /**
   * Settles the verified position of a contract-only party that was settled on an estimate
   * (operator): one `contract-correction:<participant>` posting for the difference of the
   * deviations, and the tokens of its verified delivery that settlement could not move; once (the
   * party's entry in the settlement record is then verified). A party with spot orders in the
   * interval is corrected by the market's correctSettlement.
   */
  @Transaction()
  @Returns('string')
  async correctContractSettlement(ctx: Context, communityId: string, intervalStart: string, participantId: string): Promise<string> {
    return respond(ctx, 'correctContractSettlement', async () => {
      requireOperator(ctx, 'correcting a contract settlement');
      checkId(communityId, 'communityId');
      checkId(participantId, 'participantId');
      const start = instantOf(intervalStart, 'intervalStart');
      const markerKey = key(ctx, KeyTypes.contractSettled, communityId, formatInstant(start));
      const record = await getRecord<ContractSettlementRecord>(ctx, markerKey);
      const party = record?.parties.find((p) => p.participantId === participantId);
      if (record === undefined || party === undefined)
        throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `${participantId} has no contract settled in ${intervalStart}`, {
          participantId,
        });
      if (party.deviationWh === null)
        throw new GridLedgerError(
          ErrorCodes.INTERVAL_STATE_CONFLICT,
          `${participantId} trades spot in ${intervalStart}: the market's correction settles it`,
          { step: 'correct', status: 'settled' },
        );
      if (!party.estimated)
        throw new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, `${participantId} was settled on verified readings`, {
          step: 'correct',
          status: 'settled',
        });
      // Islanded: the deviations were shared among the parties, with no utility leg to correct against.
      if (record.islanded === true)
        throw new GridLedgerError(ErrorCodes.INTERVAL_STATE_CONFLICT, `${intervalStart} was settled islanded: its positions are final`, {
          step: 'correct',
          status: 'settled',
        });
      const interval = (await loadInterval(ctx, communityId, record.intervalStart))!;
      const meteringIntervals = await meteringIntervalsOf(ctx, start, interval.params.intervalSeconds);
      const position = await positionOver(ctx, communityId, participantId, meteringIntervals);
      if (position.kind !== 'settled' || position.estimated)
        throw new GridLedgerError(ErrorCodes.SETTLEMENT_METERING_INCOMPLETE, 'the position is still estimated', {
          participantIds: participantId,
        });
      const deliveries = [];
      for (const id of record.contractIds) {
        const c = (await loadContract(ctx, id))!;
        deliveries.push({ contractId: id, sellerId: c.sellerId, buyerId: c.buyerId, energyWh: c.energyWhPerInterval });
      }
      const corrected = correctContractParty(party, position.netWh, deliveries, { ...interval.params, utilityId: UTILITY_ACCOUNT });
      const accounts = new AccountOverlay(ctx);
      if (corrected.posting !== null)
        await applyPostings(ctx, accounts, communityId, record.intervalStart, [corrected.posting], corrected.posting.postingId);
      await accounts.flush();
      const moved = new Map(record.tokenTransfers.map((t) => [t.contractId, t.movedWh]));
      const tokenTransfers = [];
      for (const t of corrected.delivered) {
        const energyWh = t.energyWh - (moved.get(t.contractId) ?? 0);
        if (energyWh <= 0) continue;
        tokenTransfers.push(
          await settleTokens(
            ctx,
            { ...t, energyWh },
            meteringIntervals,
            `${communityId}/${record.intervalStart}/contract-correction:${t.contractId}`,
          ),
        );
      }
      const correction = {
        participantId,
        correctedAt: txInstant(ctx),
        txId: ctx.stub.getTxID(),
        posting: corrected.posting,
        tokenTransfers,
      };
      const parties = record.parties.map((p) => (p.participantId === participantId ? corrected.party : p));
      await putRecord(ctx, markerKey, { ...record, parties, corrections: [...(record.corrections ?? []), correction] });
      setEvent(ctx, 'SettlementCorrected', {
        communityId,
        intervalStart: record.intervalStart,
        participantId,
        posting: corrected.posting,
        contracts: true,
      });
      return { participant: corrected.party, ...correction };
    });
  }

  /** The settlement of an interval's contracts (operator, utility, regulator). */
  @Transaction(false)
  @Returns('string')
  async getContractSettlement(ctx: Context, communityId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'getContractSettlement', async () => {
      requireRole(ctx, ['operator', 'utility', 'regulator'], 'reading a contract settlement');
      const record = await getRecord(
        ctx,
        key(ctx, KeyTypes.contractSettled, checkId(communityId, 'communityId'), formatInstant(instantOf(intervalStart, 'intervalStart'))),
      );
      if (record === undefined)
        throw new GridLedgerError(ErrorCodes.INTERVAL_NOT_FOUND, `the contracts of ${intervalStart} are not settled`, { intervalStart });
      return record;
    });
  }

  private async party(ctx: Context, contractId: string, participantId: string): Promise<ContractRecord> {
    checkId(contractId, 'contractId');
    const c = await loadContract(ctx, contractId);
    if (c === undefined) throw new GridLedgerError(ErrorCodes.CONTRACT_NOT_FOUND, `no contract ${contractId}`, { contractId });
    if (participantId !== c.sellerId && participantId !== c.buyerId)
      throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'only a party of the contract', { contractId });
    return c;
  }
}
