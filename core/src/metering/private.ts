/**
 * Household consumption is personal data: what a meter imported (its interval import, its import
 * register, the signature that would let anyone test guesses of both) and a participant's
 * consumption and net position live in the private data collection of Community and Utility.
 * The channel holds the rest of each record and a salted hash of the private value, so that a
 * household can disclose its value (with the salt) to whom it chooses and anyone, the regulator
 * included, can check it. Pure: the split and join of records, the hashes, the salts.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical';
import { StoredReading } from './batch';
import { Estimate, MeterContribution, Position } from './window';

export const CONSUMPTION_COLLECTION = 'householdConsumption';
/** The organizations of the collection (chaincode/collections.json): the only ones that read it, write it and endorse what does. */
export const CONSUMPTION_MEMBERS: readonly string[] = ['CommunityMSP', 'UtilityMSP'];

/** sha256 over the parts, each ended by a NUL, in hex. */
export function saltOf(...parts: (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex');
}

/** The salted hash on the channel: sha256 of the canonical JSON of what a household discloses. */
export const saltedHash = (disclosed: Record<string, unknown>): string =>
  createHash('sha256').update(canonicalJson(disclosed), 'utf8').digest('hex');

/** What a meter's import disclosure holds; its hash is `importHash` of the public reading or estimate. */
export const importDisclosure = (meterId: string, intervalStart: string, importWh: number, salt: string) => ({
  meterId,
  intervalStart,
  importWh,
  salt,
});

/** What a household's consumption disclosure holds; its hash is `consumptionHash` of the public position. */
export const consumptionDisclosure = (participantId: string, intervalStart: string, consumptionWh: number, salt: string) => ({
  participantId,
  intervalStart,
  consumptionWh,
  salt,
});

/**
 * A reading's salt: derived from its signature, which is random to anyone but the collection's
 * members (it stays private), so a retry or a rewrite of the same reading keeps its salt.
 */
export const readingSalt = (r: { meterId: string; intervalStart: string; sig: string }): string =>
  saltOf('reading', r.meterId, r.intervalStart, r.sig);

/** A stored reading as the channel has it: no import, no signature, no VEE flags (a "stuck" flag tells import 0). */
export type PublicReading = Omit<StoredReading, 'importWh' | 'importRegisterWh' | 'sig' | 'flags'> & { importHash: string };

/** The reading's private part, under its own key per meter and interval in the collection. */
export interface PrivateReading {
  meterId: string;
  intervalStart: string;
  importWh: number;
  importRegisterWh: number;
  sig: string;
  flags?: StoredReading['flags'];
  salt: string;
}

export function splitReading(r: StoredReading): { shared: PublicReading; secret: PrivateReading } {
  const { importWh, importRegisterWh, sig, flags, ...rest } = r;
  const salt = readingSalt(r);
  return {
    shared: { ...rest, importHash: saltedHash(importDisclosure(r.meterId, r.intervalStart, importWh, salt)) },
    secret: {
      meterId: r.meterId,
      intervalStart: r.intervalStart,
      importWh,
      importRegisterWh,
      sig,
      ...(flags !== undefined ? { flags } : {}),
      salt,
    },
  };
}

/** The full reading again; undefined when the private part is not the one the public part's hash names. */
export function joinReading(shared: PublicReading, secret: PrivateReading): StoredReading | undefined {
  if (secret.meterId !== shared.meterId || secret.intervalStart !== shared.intervalStart) return undefined;
  if (saltedHash(importDisclosure(secret.meterId, secret.intervalStart, secret.importWh, secret.salt)) !== shared.importHash)
    return undefined;
  const { importHash: _h, ...rest } = shared;
  const { salt: _s, meterId: _m, intervalStart: _i, ...values } = secret;
  return { ...rest, ...values };
}

/** An estimate as the channel has it: the rule and what it is based on, the import hashed. */
export type PublicEstimate = Omit<Estimate, 'importWh'> & { importHash: string };
export interface PrivateEstimate {
  meterId: string;
  intervalStart: string;
  importWh: number;
  salt: string;
}

export function splitEstimate(e: Estimate, salt: string): { shared: PublicEstimate; secret: PrivateEstimate } {
  const { importWh, ...rest } = e;
  return {
    shared: { ...rest, importHash: saltedHash(importDisclosure(e.meterId, e.intervalStart, importWh, salt)) },
    secret: { meterId: e.meterId, intervalStart: e.intervalStart, importWh, salt },
  };
}

/** A position as the channel has it: production, export per meter, balance, estimated, tokens; consumption hashed. */
export type PublicPosition = Omit<Position, 'consumptionWh' | 'netWh' | 'meters'> & {
  meters: Omit<MeterContribution, 'importWh'>[];
  consumptionHash: string;
};

/** The position's private part: consumption, net position and each meter's import. */
export interface PrivatePosition {
  participantId: string;
  intervalStart: string;
  consumptionWh: number;
  netWh: number;
  meters: { meterId: string; importWh: number }[];
  salt: string;
}

export function splitPosition(p: Position, salt: string): { shared: PublicPosition; secret: PrivatePosition } {
  const { consumptionWh, netWh, meters, ...rest } = p;
  return {
    shared: {
      ...rest,
      meters: meters.map(({ meterId, exportWh, estimated }) => ({ meterId, exportWh, estimated })),
      consumptionHash: saltedHash(consumptionDisclosure(p.participantId, p.intervalStart, consumptionWh, salt)),
    },
    secret: {
      participantId: p.participantId,
      intervalStart: p.intervalStart,
      consumptionWh,
      netWh,
      meters: meters.map(({ meterId, importWh }) => ({ meterId, importWh })),
      salt,
    },
  };
}

/** The full position again; undefined when the private part is not the one the public part's hash names. */
export function joinPosition(shared: PublicPosition, secret: PrivatePosition): Position | undefined {
  if (secret.participantId !== shared.participantId || secret.intervalStart !== shared.intervalStart) return undefined;
  if (
    saltedHash(consumptionDisclosure(secret.participantId, secret.intervalStart, secret.consumptionWh, secret.salt)) !==
    shared.consumptionHash
  )
    return undefined;
  const imports = new Map(secret.meters.map((m) => [m.meterId, m.importWh]));
  if (shared.meters.some((m) => !imports.has(m.meterId))) return undefined;
  const { consumptionHash: _h, meters, ...rest } = shared;
  return {
    ...rest,
    consumptionWh: secret.consumptionWh,
    netWh: secret.netWh,
    meters: meters.map((m) => ({ meterId: m.meterId, importWh: imports.get(m.meterId)!, exportWh: m.exportWh, estimated: m.estimated })),
  } as Position;
}
