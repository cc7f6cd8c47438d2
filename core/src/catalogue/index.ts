/**
 * The typed transaction catalogue: every transaction of the gridledger chaincode, by contract, with
 * its arguments, result type, access rule, kind (submit or evaluate) and events. The gateway and
 * its scheduler call the chaincode through it, the OpenAPI response schemas come from it,
 * docs/api.md's transaction table is generated from it, and a chaincode test fails when a contract
 * has a transaction it does not list (or the other way round).
 */
import { certificatesTransactions } from './certificates';
import { certificateAuditTransactions } from './certificate-audit';
import { gridTransactions } from './grid';
import { telemetryTransactions } from './telemetry';
import { storageTransactions } from './storage';
import { flexTransactions } from './flex';
import { dispatchTransactions } from './dispatch';
import { assetsTransactions, energyTransactions } from './energy';
import { contractsTransactions, creditsTransactions, figuresTransactions, marketTransactions } from './market';
import { meteringTransactions, registryTransactions, systemTransactions } from './registry';
import { listsTransactions } from './lists';
import { p2pTransactions } from './p2p';
import type { Transaction } from './transaction';

export const catalogue = {
  registry: registryTransactions,
  metering: meteringTransactions,
  system: systemTransactions,
  credits: creditsTransactions,
  market: marketTransactions,
  contracts: contractsTransactions,
  figures: figuresTransactions,
  assets: assetsTransactions,
  energy: energyTransactions,
  certificates: { ...certificatesTransactions, ...certificateAuditTransactions },
  grid: gridTransactions,
  telemetry: telemetryTransactions,
  storage: storageTransactions,
  flex: flexTransactions,
  dispatch: dispatchTransactions,
  lists: listsTransactions,
  p2p: p2pTransactions,
};

/** Every transaction, contract by contract in the catalogue's order. */
export const TRANSACTIONS: readonly Transaction[] = Object.values(catalogue).flatMap(
  (contract) => Object.values(contract) as Transaction[],
);

export * from './transaction';
export * as schema from './schema';
export * as records from './records';
export { catalogueMarkdown, withCatalogue } from './markdown';
export { BACKFILL_KINDS } from './lists';
