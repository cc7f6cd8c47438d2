/**
 * The BPP's unsolicited on_status (docs/beckn.md, "Unsolicited on_status"): a contract it confirmed
 * that changes state outside Beckn is told to its BAP. The changes come from two places:
 * - the ledger's StorageCancelled and StorageSettled events, followed from the participant's
 *   checkpoint (event-follower.ts; in its SQLite file beside the watched contracts);
 * - the window's start, which turns a confirmed contract active with no transaction and so no
 *   event: a local tick each second reads a confirmed contract once to learn its start (which also
 *   catches a change whose event was processed before the contract was watched), then again once
 *   the start has passed.
 * No reconciliation poll is kept: every change is one of these, an event whose check failed is
 * checked again from the checkpoint, and a tick's failed check is tried on the next tick.
 *
 * A check reads the contract and tells it when its state differs from the one last told; checks run
 * one at a time, so the same change is told once; checking an event again (after a crash before its
 * checkpoint) finds the state already told and sends nothing.
 *
 * A battery's new state of charge (the ledger's BatteryStateOfCharge event) is told to the BAP of
 * every open contract of that battery, once per report: the watch keeps the transaction of the
 * state of charge last told, and a report already told (or older than the one told) sends nothing.
 */
import { parseInstant } from '@gridledger/core';
import type { WalletUser } from '@gridledger/network';
import { ErrorCodes, fromFabricError } from '../errors';
import { followEvents, type EventCheckpoints } from '../event-follower';
import type { LedgerPort, Logger } from '../ports';
import type { StorageService } from '../storage/service';
import { sendUnsolicited } from './bpp';
import type { Participant } from './context-check';
import type { Outbox } from './outbox';
import { contractOrder, stateOfChargeOf } from './storage-bpp';
import type { ContractRecord } from './storage-offer';
import type { ContractWatch } from './status-watch';

/** The name of the BPP's listener of the ledger's events (its checkpoint's key). */
export const BPP_LISTENER = 'beckn-bpp';
/** The events that change a storage contract's state. */
const CHANGES = ['StorageCancelled', 'StorageSettled'];
/** The event of a battery's new state of charge. */
const SOC = 'BatteryStateOfCharge';
const TICK_MS = 1_000;

export interface StatusNotifierOptions {
  ledger: LedgerPort;
  service: StorageService;
  reader: WalletUser;
  watch: ContractWatch;
  outbox: Outbox;
  self: Participant;
  checkpoints: EventCheckpoints;
  log: Logger;
  tickMs?: number;
}

export function notifyContractChanges(o: StatusNotifierOptions): { stop(): Promise<void> } {
  /** The window's start (seconds) of the watched contracts read as confirmed. */
  const starts = new Map<string, number>();
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(f: () => Promise<T>): Promise<T> => {
    const next = queue.then(f);
    queue = next.catch(() => undefined);
    return next;
  };

  /**
   * Reads the contract and tells it when its state differs from the one last told, or (`socTxId`
   * given: a report of a battery) when the contract's battery's state of charge is not the one last told.
   */
  const check = (contractId: string, report?: { batteryId: string; txId: string }) =>
    serially(async () => {
      const c = (await o.service.status(o.reader, contractId)) as ContractRecord;
      if (c.status === 'confirmed') starts.set(contractId, parseInstant(c.from)!);
      else starts.delete(contractId);
      const w = o.watch.get(contractId);
      if (w === undefined) return;
      if (w.batteryId === null) o.watch.setBattery(contractId, c.batteryId);
      if (report !== undefined && c.batteryId !== report.batteryId) return;
      const socChanged = report !== undefined && w.socTxId !== report.txId;
      if (w.status === c.status && !socChanged) return;
      const soc = await stateOfChargeOf(o.ledger, o.reader, c.batteryId);
      const now = o.watch.get(contractId);
      if (now?.status !== w.status) return; // told meanwhile (a Beckn cancel's on_cancel)
      // The report told already, or a later one told already (its event came first): nothing new.
      if (w.status === c.status && (soc === null || soc.txId === now.socTxId)) return;
      sendUnsolicited(o.outbox, o.self, w.context, 'on_status', { order: contractOrder(c, soc) });
      o.watch.seen(contractId, c.status);
      if (soc?.txId !== undefined) o.watch.seenSoc(contractId, soc.txId);
    });

  const follower = followEvents({
    ledger: o.ledger,
    user: o.reader,
    checkpoints: o.checkpoints,
    listener: BPP_LISTENER,
    log: o.log,
    onEvent: async (e) => {
      if (!CHANGES.includes(e.name) && e.name !== SOC) return;
      const payload = JSON.parse(Buffer.from(e.payload).toString('utf8')) as { contractId?: string; batteryId: string; txId?: string };
      const checks =
        e.name === SOC
          ? o.watch.openOf(payload.batteryId).map((w) => [w.contractId, { batteryId: payload.batteryId, txId: payload.txId! }] as const)
          : o.watch.get(payload.contractId!) === undefined
            ? []
            : [[payload.contractId!, undefined] as const];
      for (const [contractId, report] of checks) {
        try {
          await check(contractId, report);
        } catch (err) {
          // The ledger unreachable: the follower checks the event again from its checkpoint; anything else is logged.
          if (fromFabricError(err).code === ErrorCodes.LEDGER_UNAVAILABLE) throw err;
          o.log.warn({ msg: 'beckn contract check failed', contractId, err: String(err) });
        }
      }
    },
  });

  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      const now = Date.now() / 1000;
      for (const w of o.watch.open()) {
        const start = starts.get(w.contractId);
        if (w.status === 'confirmed' && (start === undefined || start <= now)) await check(w.contractId);
      }
    } catch (e) {
      o.log.warn({ msg: 'beckn contract watch failed', err: String(e) });
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), o.tickMs ?? TICK_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await follower.stop();
      await queue;
    },
  };
}
