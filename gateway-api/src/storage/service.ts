/**
 * The storage marketplace as the gateway offers it (docs/storage.md): search, quote, reserve
 * (confirm), status, cancel and settle, each as the caller's own identity on the ledger. The REST
 * routes (routes/storage.ts) call these, and so can a Beckn BPP: every answer is the ledger's.
 */
import type { WalletUser } from '@gridledger/network';
import { catalogue, type ResultOf } from '@gridledger/core/catalogue';
import { checkReservedWh, contractMoney, MAX_SEARCH_RESULTS, storageInstant, storageInvalid } from '@gridledger/core/storage';
import { CONSUMPTION_MEMBERS } from '@gridledger/core/metering';
import { call, type Committed } from '../call';
import type { LedgerPort } from '../ports';

const { storage } = catalogue;

export type SearchRequest = Record<string, unknown>;
export type Quote = ReturnType<typeof contractMoney> & { batteryId: string; reservedWh: number; from: string; to: string; freeWh: number };
export type ContractChange = Committed<ResultOf<typeof storage.confirmStorage>>;

export interface StorageService {
  search(user: WalletUser, request: SearchRequest): Promise<ResultOf<typeof storage.searchBatteries>>;
  /** What a reservation would cost and escrow now (the ledger may still refuse it at confirmation). */
  quote(user: WalletUser, request: { batteryId: string; reservedWh: number; from: string; to: string }): Promise<Quote>;
  reserve(user: WalletUser, request: Record<string, unknown>): Promise<ContractChange>;
  status(user: WalletUser, contractId: string): Promise<ResultOf<typeof storage.getStorageContract>>;
  cancel(user: WalletUser, contractId: string): Promise<ContractChange>;
  settle(user: WalletUser, contractId: string): Promise<ContractChange>;
}

export function storageService(ledger: LedgerPort): StorageService {
  return {
    search: (user, request) => call(ledger, user, storage.searchBatteries, [request]),
    async quote(user, { batteryId, reservedWh, from, to }) {
      const fromSeconds = storageInstant(from, 'from');
      const toSeconds = storageInstant(to, 'to');
      if (toSeconds <= fromSeconds) throw storageInvalid('to', 'the window must end after it starts');
      const battery = await call(ledger, user, storage.getBattery, [batteryId]);
      const window = { communityId: battery.communityId, zone: battery.zone, from, to, limit: MAX_SEARCH_RESULTS };
      const { hits } = await call(ledger, user, storage.searchBatteries, [window]);
      const hit = hits.find((h) => h.battery.batteryId === batteryId);
      const money = contractMoney(checkReservedWh(reservedWh, battery.capacityWh), toSeconds - fromSeconds, battery);
      return { batteryId, reservedWh, from, to, freeWh: hit?.freeWh ?? 0, ...money };
    },
    reserve: (user, request) => call(ledger, user, storage.confirmStorage, [request]),
    status: (user, contractId) => call(ledger, user, storage.getStorageContract, [contractId]),
    cancel: (user, contractId) => call(ledger, user, storage.cancelStorage, [contractId]),
    settle: (user, contractId) =>
      call(ledger, user, storage.settleStorage, [contractId], { endorsingOrganizations: [...CONSUMPTION_MEMBERS] }),
  };
}
