/**
 * The `certificates` contract: thin shells over core/src/certificates (docs/certificates.md).
 * Issuance reads the asset's hour from the ledger and advances the asset's issuance cursor, whose
 * key-level policy needs the Regulator's peer; transfers and claims touch one bundle and its
 * holders' index entries only.
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
  hourAccount,
  issuanceIdOf,
  parseCertificateId,
  transferCertificates,
  verifiedHourExport,
  withdrawRange,
} from '@gridledger/core';
import { actorOf, Caller, requireOwnRecords, requireRole } from '../access';
import { checkId, parseObjectArgument } from '../args';
import { KeyTypes } from '../keys';
import { txInstant } from '../ledger';
import { MARKET_MAX_PAGE, pageSizeOf, readPage } from '../paging';
import { respond } from '../respond';
import { loadParticipant } from '../registry';
import { loadAsset } from '../energy/assets';
import { loadHour } from './hour';
import { evidenceOf } from './proof';
import { batchItems, issueBatch, issueOne } from './issuance';
import { listIssuable } from './issuable';
import { claimedEvent, transferredEvent, withdrawnEvent } from './events';
import { advanceIssuer, bundlesOf, ISSUING_BODY_MSP, loadBundle, openIssuer, readIssuance, StoredIssuance, writeBundles } from './store';

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
      const bundle = await loadBundle(ctx, bundleId);
      const to = checkId(r.to, 'to');
      await loadParticipant(ctx, to);
      const { moved, rest } = transferCertificates(
        bundle,
        { actor, to, quantityWh: integerField(r.quantityWh, 'quantityWh') },
        txInstant(ctx),
      );
      await writeBundles(ctx, bundle, rest === null ? [moved] : [moved, rest]);
      transferredEvent(ctx, await producerOf(ctx, bundle), actor, moved);
      const now = txInstant(ctx);
      return { moved: view(moved, now), rest: rest === null ? null : view(rest, now) };
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
      claimedEvent(ctx, await producerOf(ctx, bundle), claimed);
      const now = txInstant(ctx);
      return { claimed: view(claimed, now), rest: rest === null ? null : view(rest, now) };
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
      withdrawnEvent(ctx, (await loadAsset(ctx, id.deviceId)).participantId, result.withdrawn, String(r.reason));
      return { withdrawn: result.withdrawn.map((b) => view(b, now)) };
    });
  }

  /** The bundle holding a certificate id, with its issuance's attributes: its holder, or any organization role. */
  @Transaction(false)
  @Returns('string')
  async getCertificate(ctx: Context, certificateId: string): Promise<string> {
    return respond(ctx, 'getCertificate', async () => {
      const caller = requireRole(ctx, 'any', 'reading a certificate');
      const { bundle, issuance } = await locate(ctx, certificateId);
      requireOwnRecords(caller, bundle.owner, 'read certificates');
      return { ...view(bundle, txInstant(ctx)), attributes: issuance.attributes };
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
      const hour = await loadHour(ctx, checkId(assetId, 'assetId'), String(hourStart));
      const verifiedExportWh = hour.asset.verified
        ? verifiedHourExport(hour.asset, hour.meterAssets, hourStart, hour.intervalSeconds, hour.intervals)
        : 0;
      const issuanceId = issuanceIdOf(assetId, hourStart);
      const bundles = await bundlesOf(ctx, assetId, issuanceId);
      return { assetId, hourStart, issuanceId, ...hourAccount(verifiedExportWh, hour.bundled, bundles), bundledByInterval: hour.bundled };
    });
  }
}
