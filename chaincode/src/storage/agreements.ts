/**
 * Storage contracts on the ledger (docs/storage.md): a prosumer or consumer confirms a reservation
 * of a battery's capacity over a window, paying into escrow; buyer or provider cancels it before the
 * window starts under the refund rule; after the window, the operator or a party settles it from
 * the battery meter's verified readings, releasing the escrow to the provider less the penalty.
 * The rules are core's (core/src/storage); this loads, checks access and writes.
 */
import { Context } from 'fabric-contract-api';
import {
  canonicalJson,
  cancellationOutcome,
  checkReservedWh,
  checkStorageFields,
  checkStorageWindow,
  contractMoney,
  contractUsage,
  efficiencyPpmOf,
  ErrorCodes,
  formatInstant,
  GridLedgerError,
  isSelfActing,
  MeteredInterval,
  orderIdOf,
  parseInstant,
  requireFreeCapacity,
  settleStorage,
  storageId,
  storageStatusAt,
  StorageStatus,
  StorageWindow,
} from '@gridledger/core';
import { actorOf, Caller, requireRole, requireTrader } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { getRecord, putRecord, setEvent, txInstant, txSeconds } from '../ledger';
import { AccountOverlay } from '../market/accounts';
import { KeyTypes } from '../keys';
import { LIST_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { loadMeteringParams, windowKey } from '../energy/grid';
import { readReading } from '../energy/privacy';
import {
  changeReservation,
  contractKey,
  indexStorageContract,
  loadBattery,
  loadStorageContract,
  reservationsOver,
  StorageContractRecord,
} from './store';

const STORAGE_INPUT_INVALID = ErrorCodes.STORAGE_INPUT_INVALID;
const CONFIRM_FIELDS = ['clientContractId', 'batteryId', 'reservedWh', 'from', 'to'];

const windowOf = (c: Pick<StorageContractRecord, 'from' | 'to'>): StorageWindow => ({
  fromSeconds: parseInstant(c.from)!,
  toSeconds: parseInstant(c.to)!,
});

/** A contract as a reader sees it: `active` from the start of its window until settled. */
export type SeenContract = Omit<StorageContractRecord, 'status'> & { status: StorageStatus };

export const asSeen = (ctx: Context, c: StorageContractRecord): SeenContract => ({
  ...c,
  status: storageStatusAt(c.status, windowOf(c).fromSeconds, txSeconds(ctx)),
});

function conflict(c: StorageContractRecord, message: string, ctx: Context): GridLedgerError {
  return new GridLedgerError(ErrorCodes.STORAGE_CONTRACT_STATE_CONFLICT, message, {
    contractId: c.contractId,
    status: asSeen(ctx, c).status,
  });
}

/** The contract id: derived from buyer and clientContractId, so a retry finds its contract. */
export const storageContractIdOf = (buyerId: string, clientContractId: string): string =>
  orderIdOf(buyerId, `storage\n${clientContractId}`).replace(/^o/, 's');

/** `{ clientContractId, batteryId, reservedWh, from, to }` by a prosumer or consumer: reserves and escrows. */
export async function confirmStorage(ctx: Context, request: string): Promise<{ contract: SeenContract; replayed: boolean }> {
  const buyerId = requireTrader(ctx, 'confirming a storage contract').participantId;
  const input = parseObjectArgument(request, 'the storage contract');
  checkStorageFields(input, CONFIRM_FIELDS);
  const { clientContractId: rawClientId, ...rest } = input;
  const clientContractId = storageId(rawClientId, 'clientContractId');
  const contractId = storageContractIdOf(buyerId, clientContractId);
  const existing = await getRecord<StorageContractRecord>(ctx, contractKey(ctx, contractId));
  if (existing !== undefined) {
    if (existing.request !== canonicalJson(rest)) {
      throw new GridLedgerError(ErrorCodes.CLIENT_ID_REUSED, `clientContractId ${clientContractId} was used for another contract`, {
        clientContractId,
      });
    }
    return { contract: asSeen(ctx, existing), replayed: true };
  }
  const battery = await loadBattery(ctx, storageId(rest.batteryId, 'batteryId'));
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const window = checkStorageWindow({ from: rest.from, to: rest.to }, battery.availability, intervalSeconds, txSeconds(ctx));
  const reservedWh = checkReservedWh(rest.reservedWh, battery.capacityWh);
  requireFreeCapacity(battery.capacityWh, await reservationsOver(ctx, battery.batteryId, window), window, reservedWh, battery.batteryId);
  const prices = {
    storedPriceMicrosPerKwh: battery.storedPriceMicrosPerKwh,
    reservedPriceMicrosPerKwhDay: battery.reservedPriceMicrosPerKwhDay,
    penaltyMicrosPerKwh: battery.penaltyMicrosPerKwh,
  };
  const money = contractMoney(reservedWh, window.toSeconds - window.fromSeconds, prices);
  const contract: StorageContractRecord = {
    contractId,
    clientContractId,
    request: canonicalJson(rest),
    batteryId: battery.batteryId,
    providerId: battery.providerId,
    buyerId,
    communityId: battery.communityId,
    reservedWh,
    from: formatInstant(window.fromSeconds),
    to: formatInstant(window.toSeconds),
    ...prices,
    roundTripEfficiencyPpm: battery.roundTripEfficiencyPpm,
    ...money,
    status: 'confirmed',
    confirmedAt: txInstant(ctx),
    txId: ctx.stub.getTxID(),
  };
  const accounts = new AccountOverlay(ctx);
  await accounts.requireAvailable(buyerId, money.escrowMicros);
  await accounts.change(buyerId, 'storage-escrow', contractId, -money.escrowMicros, money.escrowMicros);
  await accounts.flush();
  await changeReservation(ctx, battery.batteryId, window, { contractId, from: contract.from, to: contract.to, reservedWh }, 'add');
  await putRecord(ctx, contractKey(ctx, contractId), contract);
  await indexStorageContract(ctx, contract);
  setEvent(ctx, 'StorageConfirmed', { contractId, batteryId: battery.batteryId, providerId: battery.providerId, buyerId });
  return { contract: asSeen(ctx, contract), replayed: false };
}

/** The buyer, the battery's provider, or the operator, utility or regulator. */
export function requireReader(ctx: Context, c: StorageContractRecord, action: string): Caller {
  const caller = requireRole(ctx, 'any', action);
  const party = caller.participantId === c.buyerId || caller.participantId === c.providerId;
  if (party || ['operator', 'utility', 'regulator'].includes(caller.role ?? '')) return caller;
  throw new GridLedgerError(
    ErrorCodes.ACCESS_DENIED,
    `${action} is for the contract's parties, the operator, the utility and the regulator`,
    {
      contractId: c.contractId,
    },
  );
}

export async function getStorageContract(ctx: Context, contractId: string): Promise<SeenContract> {
  const c = await loadStorageContract(ctx, checkId(contractId, 'contractId', STORAGE_INPUT_INVALID));
  requireReader(ctx, c, 'reading a storage contract');
  return asSeen(ctx, c);
}

/** A page of the participant's contracts (as buyer or provider), by id: the participant itself, the operator, utility or regulator. */
export async function listStorageContracts(ctx: Context, participantId: string, pageSize: string, bookmark: string) {
  const caller = requireRole(ctx, 'any', "listing a participant's storage contracts");
  const id = checkId(participantId, 'participantId');
  const own = isSelfActing(caller.role) && caller.participantId === id;
  if (!own && !['operator', 'utility', 'regulator'].includes(caller.role ?? '')) {
    throw new GridLedgerError(
      ErrorCodes.ACCESS_DENIED,
      'storage contracts are listed by their party, the operator, the utility and the regulator',
      {
        participantId: id,
      },
    );
  }
  const page = await readPage<{ contractId: string }>(ctx, KeyTypes.storageContractBy, [id], {
    size: pageSizeOf(pageSize || undefined, LIST_MAX_PAGE),
    bookmark,
  });
  const items: SeenContract[] = [];
  for (const { contractId } of page.items) items.push(asSeen(ctx, await loadStorageContract(ctx, contractId)));
  return { items, bookmark: page.bookmark };
}

/** The buyer or the provider, before the window starts: the escrow comes back under the cancellation rule. */
export async function cancelStorage(ctx: Context, contractId: string): Promise<{ contract: SeenContract; replayed: boolean }> {
  const caller = requireRole(ctx, ['prosumer', 'consumer', 'battery-provider'], 'cancelling a storage contract');
  const c = await loadStorageContract(ctx, checkId(contractId, 'contractId', STORAGE_INPUT_INVALID));
  const by = caller.role === 'battery-provider' ? 'provider' : 'buyer';
  if (caller.participantId !== (by === 'provider' ? c.providerId : c.buyerId)) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "a storage contract is cancelled by its buyer or its battery's provider", {
      contractId,
    });
  }
  if (c.status === 'cancelled') return { contract: asSeen(ctx, c), replayed: true };
  const window = windowOf(c);
  const now = txSeconds(ctx);
  if (c.status !== 'confirmed' || now >= window.fromSeconds)
    throw conflict(c, 'only a contract whose window has not started is cancelled', ctx);
  const outcome = cancellationOutcome(c.escrowMicros, c.reservationFeeMicros, by, window.fromSeconds - now);
  const accounts = new AccountOverlay(ctx);
  await accounts.change(c.buyerId, 'storage-refund', contractId, outcome.refundMicros, -c.escrowMicros);
  if (outcome.feeMicros > 0) await accounts.change(c.providerId, 'storage-cancellation-fee', contractId, outcome.feeMicros);
  await accounts.flush();
  await changeReservation(ctx, c.batteryId, window, { contractId, from: c.from, to: c.to, reservedWh: c.reservedWh }, 'remove');
  const record: StorageContractRecord = {
    ...c,
    status: 'cancelled',
    cancellation: { by, at: txInstant(ctx), ...outcome, txId: ctx.stub.getTxID() },
  };
  await putRecord(ctx, contractKey(ctx, contractId), record);
  setEvent(ctx, 'StorageCancelled', { contractId, batteryId: c.batteryId, providerId: c.providerId, buyerId: c.buyerId, by });
  return { contract: record, replayed: false };
}

/** The battery meter's readings of each metering interval of the window, with the battery's reservations. */
async function meteredWindow(ctx: Context, c: StorageContractRecord, meterId: string): Promise<MeteredInterval[]> {
  const { intervalSeconds } = await loadMeteringParams(ctx);
  const window = windowOf(c);
  const reservations = await reservationsOver(ctx, c.batteryId, window);
  const out: MeteredInterval[] = [];
  const pending: string[] = [];
  for (let t = window.fromSeconds; t < window.toSeconds; t += intervalSeconds) {
    const intervalStart = formatInstant(t);
    const reading = await readReading(ctx, meterId, intervalStart);
    if (reading === undefined && (await getRecord(ctx, windowKey(ctx, c.communityId, intervalStart, intervalSeconds))) === undefined) {
      pending.push(intervalStart);
    }
    out.push({
      intervalStart,
      reservations,
      ...(reading === undefined ? {} : { meter: { importWh: reading.importWh, exportWh: reading.exportWh } }),
    });
  }
  if (pending.length > 0) {
    throw new GridLedgerError(
      ErrorCodes.SETTLEMENT_METERING_INCOMPLETE,
      `the battery meter has no reading and the metering window is open for ${pending.length} interval(s)`,
      { contractId: c.contractId, firstPending: pending[0] },
    );
  }
  return out;
}

/**
 * After the window, once (the operator or a party): energy in and out from the battery meter's
 * verified readings (the contract's share), the settlement of core's settleStorage, the escrow
 * released (payment to the provider, the rest back to the buyer), and the reconciliation record.
 * Reads the meter's import from the consumption collection: endorsed by Community and Utility.
 */
export async function settleStorageContract(ctx: Context, contractId: string): Promise<{ contract: SeenContract; replayed: boolean }> {
  const caller = requireRole(ctx, ['operator', 'prosumer', 'consumer', 'battery-provider'], 'settling a storage contract');
  const c = await loadStorageContract(ctx, checkId(contractId, 'contractId', STORAGE_INPUT_INVALID));
  if (
    caller.role === 'operator'
      ? caller.mspId !== 'CommunityMSP'
      : caller.participantId !== c.buyerId && caller.participantId !== c.providerId
  ) {
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, "a storage contract is settled by the Community's operator or a party", {
      contractId,
    });
  }
  if (c.status === 'completed') return { contract: c, replayed: true };
  if (c.status !== 'confirmed' || txSeconds(ctx) < windowOf(c).toSeconds)
    throw conflict(c, 'only a contract whose window has ended is settled', ctx);
  const battery = await loadBattery(ctx, c.batteryId);
  const usage = contractUsage(contractId, await meteredWindow(ctx, c, battery.meterId));
  const settled = settleStorage({ ...c, inWh: usage.inWh, outWh: usage.outWh });
  const accounts = new AccountOverlay(ctx);
  await accounts.change(c.buyerId, 'storage-settlement', contractId, settled.refundMicros, -c.escrowMicros);
  if (settled.paymentMicros > 0) await accounts.change(c.providerId, 'storage-payment', contractId, settled.paymentMicros);
  await accounts.flush();
  const record: StorageContractRecord = {
    ...c,
    status: 'completed',
    settlement: {
      ...settled,
      ...usage,
      efficiencyPpm: efficiencyPpmOf(usage.inWh, usage.outWh),
      settledAt: txInstant(ctx),
      settledBy: actorOf(ctx, caller),
      txId: ctx.stub.getTxID(),
    },
  };
  await putRecord(ctx, contractKey(ctx, contractId), record);
  setEvent(ctx, 'StorageSettled', {
    contractId,
    batteryId: c.batteryId,
    providerId: c.providerId,
    buyerId: c.buyerId,
    paymentMicros: settled.paymentMicros,
    penaltyMicros: settled.penaltyMicros,
  });
  return { contract: record, replayed: false };
}
