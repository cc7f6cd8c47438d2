/**
 * A storage contract's state (docs/storage.md): confirmed → active → completed, or cancelled. The
 * ledger stores confirmed, completed and cancelled; `active` is what a confirmed contract is from
 * the start of its window on, as of the reading transaction's time (no transaction marks it).
 */
export type StoredStorageStatus = 'confirmed' | 'completed' | 'cancelled';
export type StorageStatus = StoredStorageStatus | 'active';

export const storageStatusAt = (stored: StoredStorageStatus, fromSeconds: number, nowSeconds: number): StorageStatus =>
  stored === 'confirmed' && nowSeconds >= fromSeconds ? 'active' : stored;
