/**
 * The `certificates` contract: thin shells over core/src/certificates (docs/certificates.md).
 * Issuance reads the asset's hour from the ledger and advances the asset's issuance cursor, whose
 * key-level policy needs the Regulator's peer; transfers and claims touch one bundle and its
 * holders' index entries only.
 *
 * Over 400 lines: the contract class lists every certificate transaction, each an access check and
 * a call into a module of one concern (issuance, lowered, matching, audit, storage...); splitting
 * the class would rename transactions.
 */
import { createHash } from 'node:crypto';
import { Context, Contract, Info, Returns, Transaction } from 'fabric-contract-api';
import {
  bundleWh,
  CertificateBundle,
  certificateIdOf,
  claimCertificates,
  effectiveStatus,
  ErrorCodes,
  findBundle,
  GridLedgerError,
  parseCertificateId,
  transferCertificates,
  withdrawRange,
} from '@gridledger/core';
import { actorOf, Caller, requireOwnRecords, requireRole } from '../access';
import { checkId, checkInstant, parseObjectArgument } from '../args';
import { KeyTypes } from '../keys';
import { txInstant } from '../ledger';
import { MARKET_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { respond } from '../respond';
import { loadMeter, loadParticipant } from '../registry';
import { loadAsset } from '../energy/assets';
import { evidenceOf } from './proof';
import { claimedEvent, expiredEvent, issuedEvent, releasedEvent, reservedEvent, transferredEvent, withdrawnEvent } from './events';
import { recordHolderExpiry } from './expiry';
import { withdrawLoweredHours } from './lowered';
import { onceByReference } from './reference';
import { acceptReservation, releaseReservation, reserveBundle } from './reservations';
import { chargeBattery, chargeRecordsOf, dischargedFrom, issueDischarge, storageShareInputs, withdrawDerivedOf } from './storage';
import { communityMatching, participantMatching, periodOf, recordDay, recordedMatching } from './matching';
import { requireDetailAccess } from '../energy/household';
import { isConsumptionMember } from '../energy/privacy';
import { hourAccountOf, hourAccountsOf, listActions, listIssuerRecords, listIssuers, recordAction } from './audit';
import { advanceIssuer, bundlesOf, ISSUING_BODY_MSP, loadBundle, openIssuer, readIssuance, StoredIssuance, writeBundles } from './store';
import { batchItems, issueBatch, issueOne } from './issuance';
import { listIssuable } from './issuable';

const ISSUERS = ['regulator', 'utility', 'operator'] as const;
const HOLDERS = ['prosumer', 'consumer'] as const;

function requireRegulator(ctx: Context, action: string): Caller {
  const caller = requireRole(ctx, ['regulator'], action);
  if (caller.mspId !== ISSUING_BODY_MSP)
    throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, `only the regulator may ${action}`, { mspId: caller.mspId });
  return caller;
}

function holderOf(ctx: Context, action: string): string {
  const caller = requireRole(ctx, HOLDERS, action);
  return caller.participantId ?? '';
}

/** A certificate id's issuance and bundle: the stored issuance and the bundle holding the number. */
async function locate(ctx: Context, certificateId: string): Promise<{ bundle: CertificateBundle; issuance: StoredIssuance }> {
  const id = parseCertificateId(String(certificateId));
  if (id === undefined)
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_NOT_FOUND, `${certificateId} is not a certificate id`, {
      certificateId: String(certificateId),
    });
  const issuance = await readIssuance(ctx, id.deviceId, id.issuanceId);
  const bundle = findBundle(issuance === undefined ? [] : await bundlesOf(ctx, id.deviceId, id.issuanceId), certificateId);
  return { bundle, issuance: issuance! };
}

/** The participant whose asset produced a bundle's energy, named in the bundle's events. */
const producerOf = async (ctx: Context, bundle: CertificateBundle): Promise<string> =>
  (await loadAsset(ctx, bundle.deviceId)).participantId;

/** A bundle as readers see it: its status at the reading transaction's time, its id and Wh. */
function view(bundle: CertificateBundle, now: string) {
  return {
    ...bundle,
    bundleId: certificateIdOf(bundle.issuanceId, bundle.rangeStart),
    quantityWh: bundleWh(bundle),
    status: effectiveStatus(bundle, now),
  };
}

/** A stable pseudonym of a holder for public verification: it names no participant, and equal holders get equal pseudonyms. */
export const ownerPseudonym = (owner: string): string =>
  createHash('sha256').update(`gridledger certificate holder\n${owner}`, 'utf8').digest('hex').slice(0, 32);

function integerField(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value))
    throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, `${field} must be an integer`, { field });
  return value as number;
}

@Info({ title: 'certificates', description: 'Hourly granular certificates of verified renewable generation (issue 21)' })
export class CertificatesContract extends Contract {
  constructor() {
    super('certificates');
  }

  /** The regulator opens the issuance cursor of an asset verified before certificates existed (verification opens it now). */
  @Transaction()
  @Returns('string')
  async openIssuer(ctx: Context, assetId: string): Promise<string> {
    return respond(ctx, 'openIssuer', async () => {
      const caller = requireRegulator(ctx, 'open an issuance cursor');
      const asset = await loadAsset(ctx, checkId(assetId, 'assetId'));
      if (asset.verification === null) {
        throw new GridLedgerError(ErrorCodes.CERTIFICATE_ASSET_UNVERIFIED, `asset ${assetId} is not verified by the regulator`, {
          assetId,
        });
      }
      return openIssuer(ctx, asset.assetId, actorOf(ctx, caller));
    });
  }

  /**
   * Issues one asset's hour: its verified export less the Wh sold P2P and the certificates issued
   * before, to the asset's producer. Refused for an unverified asset, an open window or market, an
   * estimated reading, an hour issued with nothing new. Advances the asset's cursor (Regulator's peer).
   */
  @Transaction()
  @Returns('string')
  async issue(ctx: Context, assetId: string, hourStart: string): Promise<string> {
    return respond(ctx, 'issue', async () => {
      requireRole(ctx, ISSUERS, 'issuing certificates');
      const issued = await issueOne(ctx, assetId, String(hourStart));
      return { ...issued, bundle: issued.bundle === null ? null : view(issued.bundle, txInstant(ctx)) };
    });
  }

  /**
   * `{ items: [{ assetId, hourStart }, ...] }` (at most MAX_ISSUANCE_BATCH): issues each asset-hour as
   * issue would, or answers its stable code and writes nothing of it; each asset's cursor moves once.
   */
  @Transaction()
  @Returns('string')
  async issueBatch(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'issueBatch', async () => {
      requireRole(ctx, ISSUERS, 'issuing certificates');
      return issueBatch(ctx, batchItems(request));
    });
  }

  /**
   * For the certificate scheduler: a page of a community's meters, their verified renewable assets
   * and the hours of [fromHour, toHour) with closed windows that have no issuance record yet.
   */
  @Transaction(false)
  @Returns('string')
  async listIssuable(
    ctx: Context,
    communityId: string,
    fromHour: string,
    toHour: string,
    pageSize: string,
    bookmark: string,
  ): Promise<string> {
    return respond(ctx, 'listIssuable', async () => {
      requireRole(ctx, ISSUERS, 'listing issuable hours');
      return listIssuable(ctx, communityId, String(fromHour), String(toHour), String(pageSize), String(bookmark));
    });
  }

  /** `{ to, quantityWh }`: the holder moves the first quantityWh of the bundle starting at bundleId. */
  @Transaction()
  @Returns('string')
  async transfer(ctx: Context, bundleId: string, request: string): Promise<string> {
    return respond(ctx, 'transfer', async () => {
      const actor = holderOf(ctx, 'transferring certificates');
      const r = parseObjectArgument(request, 'the transfer');
      return onceByReference(ctx, actor, 'transfer', bundleId, r, async () => {
        const bundle = await loadBundle(ctx, bundleId);
        const to = checkId(r.to, 'to');
        await loadParticipant(ctx, to);
        const { moved, rest } = transferCertificates(
          bundle,
          { actor, to, quantityWh: integerField(r.quantityWh, 'quantityWh') },
          txInstant(ctx),
        );
        await writeBundles(ctx, bundle, rest === null ? [moved] : [moved, rest]);
        const producerId = await producerOf(ctx, bundle);
        await recordAction(ctx, 'transfer', producerId, moved);
        transferredEvent(ctx, producerId, actor, moved);
        const now = txInstant(ctx);
        return { moved: view(moved, now), rest: rest === null ? null : view(rest, now) };
      });
    });
  }

  /**
   * `{ quantityWh, beneficiary, purpose, consumptionPeriodStart, consumptionPeriodEnd, location }`: the holder cancels
   * the bundle's first quantityWh for a claim, final.
   */
  @Transaction()
  @Returns('string')
  async claim(ctx: Context, bundleId: string, request: string): Promise<string> {
    return respond(ctx, 'claim', async () => {
      const actor = holderOf(ctx, 'claiming certificates');
      const r = parseObjectArgument(request, 'the claim');
      return onceByReference(ctx, actor, 'claim', bundleId, r, async () => {
        const bundle = await loadBundle(ctx, bundleId);
        const { claimed, rest } = claimCertificates(
          bundle,
          {
            actor,
            quantityWh: integerField(r.quantityWh, 'quantityWh'),
            beneficiary: r.beneficiary as string,
            purpose: r.purpose as string,
            consumptionPeriodStart: r.consumptionPeriodStart as string,
            consumptionPeriodEnd: r.consumptionPeriodEnd as string,
            location: r.location as string,
          },
          txInstant(ctx),
        );
        await writeBundles(ctx, bundle, rest === null ? [claimed] : [claimed, rest]);
        const producerId = await producerOf(ctx, bundle);
        await recordAction(ctx, 'claim', producerId, claimed);
        claimedEvent(ctx, producerId, claimed);
        const now = txInstant(ctx);
        return { claimed: view(claimed, now), rest: rest === null ? null : view(rest, now) };
      });
    });
  }

  /** `{ to, quantityWh, reference? }`: the holder reserves the bundle's first quantityWh for `to`, pending its acceptance. */
  @Transaction()
  @Returns('string')
  async reserve(ctx: Context, bundleId: string, request: string): Promise<string> {
    return respond(ctx, 'reserve', async () => {
      const actor = holderOf(ctx, 'reserving certificates');
      const r = parseObjectArgument(request, 'the reservation');
      return onceByReference(ctx, actor, 'reserve', bundleId, r, async () => {
        const { reserved, rest } = await reserveBundle(ctx, actor, bundleId, r);
        reservedEvent(ctx, await producerOf(ctx, reserved), reserved);
        const now = txInstant(ctx);
        return { reserved: view(reserved, now), rest: rest === null ? null : view(rest, now) };
      });
    });
  }

  /** `{ reference? }`: the recipient accepts the transfer pending on the bundle; the bundle becomes its own. */
  @Transaction()
  @Returns('string')
  async acceptReservation(ctx: Context, bundleId: string, request: string): Promise<string> {
    return respond(ctx, 'acceptReservation', async () => {
      const actor = holderOf(ctx, 'accepting a transfer');
      const r = parseObjectArgument(request, 'the acceptance');
      return onceByReference(ctx, actor, 'acceptReservation', bundleId, r, async () => {
        const [before, moved] = await acceptReservation(ctx, actor, bundleId);
        const producerId = await producerOf(ctx, moved);
        await recordAction(ctx, 'transfer', producerId, moved);
        transferredEvent(ctx, producerId, before.owner, moved);
        return { moved: view(moved, txInstant(ctx)) };
      });
    });
  }

  /** `{ reference? }`: the holder or the recipient calls the transfer pending on the bundle off; it is the holder's again. */
  @Transaction()
  @Returns('string')
  async releaseReservation(ctx: Context, bundleId: string, request: string): Promise<string> {
    return respond(ctx, 'releaseReservation', async () => {
      const actor = holderOf(ctx, 'releasing a transfer');
      const r = parseObjectArgument(request, 'the release');
      return onceByReference(ctx, actor, 'releaseReservation', bundleId, r, async () => {
        const [before, released] = await releaseReservation(ctx, actor, bundleId);
        releasedEvent(ctx, await producerOf(ctx, released), before, actor);
        return { released: view(released, txInstant(ctx)) };
      });
    });
  }

  /**
   * After a resolved dispute of a meter's interval: for each of the meter's assets whose hour holding
   * the interval was issued and whose verified export is now lower, withdraws what no longer stands,
   * newest first (lowered.ts). Advances those assets' cursors (Regulator's peer). Idempotent.
   */
  @Transaction()
  @Returns('string')
  async withdrawLowered(ctx: Context, meterId: string, intervalStart: string): Promise<string> {
    return respond(ctx, 'withdrawLowered', async () => {
      requireRole(ctx, ISSUERS, 'withdrawing for a lowered figure');
      const meter = await loadMeter(ctx, checkId(meterId, 'meterId'));
      checkInstant(intervalStart, 'intervalStart', ErrorCodes.CERTIFICATE_INPUT_INVALID);
      const hours = await withdrawLoweredHours(ctx, meter.meterId, intervalStart);
      const withdrawn = hours.flatMap((h) => h.withdrawn);
      const cut = hours.flatMap((h) => h.bundledWithdrawn.map((c) => ({ ...c, assetId: h.assetId })));
      if (withdrawn.length + cut.length > 0) withdrawnEvent(ctx, hours[0].producerId, withdrawn, 'lowered-figure', cut);
      const now = txInstant(ctx);
      return { hours: hours.map((h) => ({ ...h, withdrawn: h.withdrawn.map((b) => view(b, now)) })) };
    });
  }

  /** The optional expiry record of a holder's bundles past their expiry (expiry.ts): the holder, or any organization role. */
  @Transaction()
  @Returns('string')
  async recordExpiry(ctx: Context, owner: string): Promise<string> {
    return respond(ctx, 'recordExpiry', async () => {
      requireOwnRecords(requireRole(ctx, 'any', 'recording expiry'), checkId(owner, 'owner'), 'record the expiry of certificates');
      const { expired, more } = await recordHolderExpiry(ctx, owner);
      if (expired.length > 0) expiredEvent(ctx, owner, expired);
      const now = txInstant(ctx);
      return { expired: expired.map((b) => view(b, now)), more };
    });
  }

  /** `{ rangeStart, rangeEnd, reason }`: the regulator withdraws numbers of one issuance, in any state (a meter found faulty). */
  @Transaction()
  @Returns('string')
  async withdraw(ctx: Context, issuanceId: string, request: string): Promise<string> {
    return respond(ctx, 'withdraw', async () => {
      requireRegulator(ctx, 'withdraw certificates');
      const id = parseCertificateId(String(issuanceId));
      if (id === undefined || id.number !== undefined) {
        throw new GridLedgerError(ErrorCodes.CERTIFICATE_INPUT_INVALID, 'issuanceId must be an issuance id such as pv-1@20261121T10Z', {
          field: 'issuanceId',
        });
      }
      const r = parseObjectArgument(request, 'the withdrawal');
      const bundles = await bundlesOf(ctx, id.deviceId, id.issuanceId);
      if (bundles.length === 0)
        throw new GridLedgerError(ErrorCodes.CERTIFICATE_NOT_FOUND, `${issuanceId} has no certificates`, { certificateId: issuanceId });
      const range = {
        issuanceId: id.issuanceId,
        rangeStart: integerField(r.rangeStart, 'rangeStart'),
        rangeEnd: integerField(r.rangeEnd, 'rangeEnd'),
      };
      const now = txInstant(ctx);
      const result = withdrawRange(bundles, range, { cause: 'regulator', reason: r.reason as string }, now);
      if (result.withdrawn.length === 0)
        throw new GridLedgerError(ErrorCodes.CERTIFICATE_WITHDRAWN, 'nothing in the range stands', { issuanceId });
      await writeBundles(ctx, undefined, result.bundles);
      await advanceIssuer(ctx, id.deviceId, { withdrawal: range, reason: r.reason, txId: ctx.stub.getTxID() });
      // Storage charged with the withdrawn certificates releases nothing more; its discharge certificates go too.
      const derived = await withdrawDerivedOf(ctx, result.withdrawn, String(r.reason), now);
      withdrawnEvent(ctx, (await loadAsset(ctx, id.deviceId)).participantId, [...result.withdrawn, ...derived], String(r.reason));
      return { withdrawn: result.withdrawn.map((b) => view(b, now)), derived: derived.map((b) => view(b, now)) };
    });
  }

  /** The bundle holding a certificate id, with its issuance's attributes: its holder, or any organization role. */
  @Transaction(false)
  @Returns('string')
  async getCertificate(ctx: Context, certificateId: string): Promise<string> {
    return respond(ctx, 'getCertificate', async () => {
      const caller = requireRole(ctx, 'any', 'reading a certificate');
      const { bundle, issuance } = await locate(ctx, certificateId);
      // The recipient of a pending transfer reads the bundle too.
      const recipient = bundle.reservation?.to;
      requireOwnRecords(
        caller,
        recipient !== undefined && recipient === caller.participantId ? recipient : bundle.owner,
        'read certificates',
      );
      const chargeRecord = await dischargedFrom(ctx, bundle);
      return { ...view(bundle, txInstant(ctx)), attributes: issuance.attributes, ...(chargeRecord ? { chargeRecord } : {}) };
    });
  }

  /**
   * The evidence behind a certificate (docs/certificates.md, "Provenance"): for whom may read the
   * certificate, its bundle, attributes, issuance transactions, and the asset's hour's evidence
   * (readings whole, with signatures, for the producer, the operator and the utility).
   */
  @Transaction(false)
  @Returns('string')
  async getProvenance(ctx: Context, certificateId: string): Promise<string> {
    return respond(ctx, 'getProvenance', async () => {
      const caller = requireRole(ctx, 'any', 'reading the provenance of a certificate');
      const { bundle, issuance } = await locate(ctx, certificateId);
      requireOwnRecords(caller, bundle.owner, 'read the provenance of certificates');
      const evidence = await evidenceOf(ctx, issuance.record.assetId, issuance.record.hourStart, false);
      const { attributes, record, txIds } = issuance;
      return { ...view(bundle, txInstant(ctx)), attributes, issuance: record, issuanceTxIds: txIds, ...evidence };
    });
  }

  /** A holder's bundles, in key order (asset, hour, number), a page at a time. */
  @Transaction(false)
  @Returns('string')
  async listCertificates(ctx: Context, owner: string, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listCertificates', async () => {
      requireOwnRecords(requireRole(ctx, 'any', 'listing certificates'), checkId(owner, 'owner'), 'list certificates');
      const page = await readPage<{ issuanceId: string; rangeStart: number }>(ctx, KeyTypes.certHolding, [owner], {
        size: pageSizeOf(pageSize === '' ? undefined : pageSize, MARKET_MAX_PAGE),
        bookmark,
      });
      const now = txInstant(ctx);
      const items = [];
      for (const { issuanceId, rangeStart } of page.items)
        items.push(view(await loadBundle(ctx, certificateIdOf(issuanceId, rangeStart)), now));
      return { items, bookmark: page.bookmark };
    });
  }

  /** Public verification, for anyone (no role needed): status, attributes and a pseudonym of the holder. */
  @Transaction(false)
  @Returns('string')
  async verifyCertificate(ctx: Context, certificateId: string): Promise<string> {
    return respond(ctx, 'verifyCertificate', async () => {
      const { bundle, issuance } = await locate(ctx, certificateId);
      const now = txInstant(ctx);
      return {
        certificateId,
        bundleId: certificateIdOf(bundle.issuanceId, bundle.rangeStart),
        rangeStart: bundle.rangeStart,
        rangeEnd: bundle.rangeEnd,
        status: effectiveStatus(bundle, now),
        expiresAt: bundle.expiresAt,
        issuedAt: bundle.issuedAt,
        owner: ownerPseudonym(bundle.owner),
        attributes: issuance.attributes,
        issuanceTxIds: issuance.txIds,
        proof: await evidenceOf(ctx, issuance.record.assetId, issuance.record.hourStart, true),
      };
    });
  }

  /**
   * The invariant of one asset's hour (docs/certificates.md, "One claim per Wh"): bundled P2P Wh +
   * certificate Wh in every state but withdrawn ≤ verified renewable export. Any role may run it.
   */
  @Transaction(false)
  @Returns('string')
  async getHourAccount(ctx: Context, assetId: string, hourStart: string): Promise<string> {
    return respond(ctx, 'getHourAccount', async () => {
      requireRole(ctx, 'any', 'reading an hour account');
      return hourAccountOf(ctx, assetId, String(hourStart));
    });
  }

  /** `{ assetId, from, to }`: the accounts of up to a week of an asset's hours in one call (the audit). Any role. */
  @Transaction(false)
  @Returns('string')
  async getHourAccounts(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'getHourAccounts', async () => {
      requireRole(ctx, 'any', 'reading hour accounts');
      return hourAccountsOf(ctx, parseObjectArgument(request, 'the request'));
    });
  }

  /** A page of the assets with an issuance cursor, with producer, source and community (the audit). Any role. */
  @Transaction(false)
  @Returns('string')
  async listIssuers(ctx: Context, pageSize: string, bookmark: string): Promise<string> {
    return respond(ctx, 'listIssuers', async () => {
      requireRole(ctx, 'any', 'listing issuance cursors');
      return listIssuers(ctx, pageSize, bookmark);
    });
  }

  /** `{ assetId, records, from?, to?, pageSize?, bookmark? }`: a page of an asset's chain log, issuances or bundles (audit). Any role. */
  @Transaction(false)
  @Returns('string')
  async listIssuerRecords(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'listIssuerRecords', async () => {
      requireRole(ctx, 'any', 'reading issuance records');
      return listIssuerRecords(ctx, parseObjectArgument(request, 'the request'));
    });
  }

  /** `{ from, to, pageSize?, bookmark? }`: a page of the transfers and claims in a period (the report). Operator, utility, regulator. */
  @Transaction(false)
  @Returns('string')
  async listCertificateActions(ctx: Context, request: string): Promise<string> {
    return respond(ctx, 'listCertificateActions', async () => {
      requireRole(ctx, ISSUERS, 'listing certificate transfers and claims');
      return listActions(ctx, parseObjectArgument(request, 'the request'));
    });
  }

  /**
   * `{ storageAssetId, quantityWh }`: the holder cancels the bundle's first quantityWh into a storage
   * charge record of its own battery, in the certificates' production hour, within the battery's
   * metered charge of that hour (STORAGE_CHARGE_EXCEEDS_METERED). Reads the battery's import:
   * endorsed by the consumption collection's members.
   */
  @Transaction()
  @Returns('string')
  async chargeStorage(ctx: Context, bundleId: string, request: string): Promise<string> {
    return respond(ctx, 'chargeStorage', async () => {
      const actor = holderOf(ctx, 'charging storage with certificates');
      const { before, cancelled, rest, record } = await chargeBattery(ctx, actor, bundleId, request);
      claimedEvent(ctx, await producerOf(ctx, before), cancelled);
      const now = txInstant(ctx);
      return { cancelled: view(cancelled, now), rest: rest === null ? null : view(rest, now), record };
    });
  }

  /**
   * Issues a battery's hour of metered discharge as storage discharge certificates, allocated FIFO
   * over its charge records; the losses are never certified. Once per hour; the Regulator's peer
   * endorses it (the battery's issuance cursor).
   */
  @Transaction()
  @Returns('string')
  async issueStorageDischarge(ctx: Context, assetId: string, hourStart: string): Promise<string> {
    return respond(ctx, 'issueStorageDischarge', async () => {
      requireRole(ctx, ISSUERS, 'issuing storage discharge certificates');
      const issued = await issueDischarge(ctx, assetId, hourStart);
      const { bundles } = issued;
      const all = bundles.length === 0 ? null : { ...bundles[0], rangeEnd: bundles[bundles.length - 1].rangeEnd };
      issuedEvent(ctx, issued.producerId, issued.stored.record.issuanceId, hourStart, all);
      const now = txInstant(ctx);
      const { stored, records, meteredDischargeWh, uncertifiedWh, cursor } = issued;
      return { ...stored, bundles: bundles.map((b) => view(b, now)), records, meteredDischargeWh, uncertifiedWh, cursor };
    });
  }

  /**
   * The inputs of a storage contract's share of a battery's hour (the meter's import and export by
   * interval, the battery's reservations), for the audit: the operator and the utility, who read
   * the consumption collection.
   */
  @Transaction(false)
  @Returns('string')
  async getStorageShareInputs(ctx: Context, assetId: string, hourStart: string): Promise<string> {
    return respond(ctx, 'getStorageShareInputs', async () => {
      requireRole(ctx, ['operator', 'utility'], "reading a battery's storage share inputs");
      return storageShareInputs(ctx, assetId, String(hourStart));
    });
  }

  /** A battery's storage charge records, in key order: its participant, or any organization role. */
  @Transaction(false)
  @Returns('string')
  async listStorageCharges(ctx: Context, assetId: string): Promise<string> {
    return respond(ctx, 'listStorageCharges', async () => {
      const caller = requireRole(ctx, 'any', 'reading storage charge records');
      const battery = await loadAsset(ctx, checkId(assetId, 'assetId'));
      requireOwnRecords(caller, battery.participantId, 'read the storage charge records of batteries');
      return { assetId: battery.assetId, items: await chargeRecordsOf(ctx, battery.assetId) };
    });
  }

  /**
   * Hour-by-hour matching of a participant's consumption over a period of whole hours (at most a
   * leap year): the participant itself, the operator, the utility. Reads the consumption collection.
   */
  @Transaction(false)
  @Returns('string')
  async getMatching(ctx: Context, participantId: string, from: string, to: string): Promise<string> {
    return respond(ctx, 'getMatching', async () => {
      requireDetailAccess(ctx, checkId(participantId, 'participantId'), 'hourly matching');
      return { participantId, ...(await participantMatching(ctx, participantId, periodOf(from, to))) };
    });
  }

  /** A community's matching totals, no household's hours: the operator and the utility (the collection's members). */
  @Transaction(false)
  @Returns('string')
  async getCommunityMatching(ctx: Context, communityId: string, from: string, to: string): Promise<string> {
    return respond(ctx, 'getCommunityMatching', async () => {
      requireRole(ctx, ['operator', 'utility'], "reading a community's matching");
      if (!isConsumptionMember(ctx))
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'matching reads household consumption: members of its collection only');
      return communityMatching(ctx, checkId(communityId, 'communityId'), periodOf(from, to));
    });
  }

  /** The operator or the utility records a community's matching totals of one day (UTC midnight) for the regulator. */
  @Transaction()
  @Returns('string')
  async recordCommunityMatching(ctx: Context, communityId: string, dayStart: string): Promise<string> {
    return respond(ctx, 'recordCommunityMatching', async () => {
      requireRole(ctx, ['operator', 'utility'], "recording a community's matching");
      if (!isConsumptionMember(ctx))
        throw new GridLedgerError(ErrorCodes.ACCESS_DENIED, 'matching reads household consumption: members of its collection only');
      return recordDay(ctx, checkId(communityId, 'communityId'), dayStart);
    });
  }

  /** A community's recorded days of a period (UTC midnights) and their sums: the regulator, the operator, the utility. */
  @Transaction(false)
  @Returns('string')
  async getRecordedMatching(ctx: Context, communityId: string, from: string, to: string): Promise<string> {
    return respond(ctx, 'getRecordedMatching', async () => {
      requireRole(ctx, ['regulator', 'operator', 'utility'], "reading a community's recorded matching");
      return recordedMatching(ctx, checkId(communityId, 'communityId'), from, to);
    });
  }
}
