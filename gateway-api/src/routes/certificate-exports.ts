/**
 * Exports of a holder's certificates (docs/certificates.md, "Exports"): a page of its bundles in
 * EnergyTag's API v2 bundle shape, and its active Wh in whole MWh per device and month. Read with
 * the caller's identity (listCertificates, getCertificate: the holder itself, or an organization
 * role); the shapes are core's views, the status as of the gateway's clock.
 */
import express, { Response } from 'express';
import { certificateIdOf, mwhByDeviceMonth, toEnergyTagBundle, type CertificateAttributes, type CertificateBundle } from '@gridledger/core';
import { formatInstant } from '@gridledger/core/core';
import { catalogue } from '@gridledger/core/catalogue';
import { callerOf } from '../access';
import { call } from '../call';
import type { LedgerPort } from '../ports';

const { certificates } = catalogue;
/** The MWh view reads at most this many pages of 1000 bundles. */
const MWH_MAX_PAGES = 20;

const nowInstant = () => formatInstant(Math.floor(Date.now() / 1000));

export function certificateExportRoutes(ledger: LedgerPort): express.Router {
  const r = express.Router();
  const page = (res: Response, owner: string, pageSize: string, bookmark: string) =>
    call(ledger, callerOf(res), certificates.listCertificates, [owner, pageSize, bookmark]);

  r.get('/participants/:participantId/certificates/energytag', async (req, res) => {
    const pageSize = req.query.pageSize === undefined ? '100' : String(req.query.pageSize);
    const bookmark = req.query.bookmark === undefined ? '' : String(req.query.bookmark);
    const { items, bookmark: next } = await page(res, req.params.participantId, pageSize, bookmark);
    // One read of the attributes per issuance on the page; per bundle for storage discharge (its charge record's efficiency).
    const attributes = new Map<string, CertificateAttributes>();
    const records = new Map<string, { chargeRecordId: string; efficiencyPpm: number }>();
    for (const b of items) {
      if (attributes.has(b.issuanceId) && b.chargeRecordId === undefined) continue;
      const found = await call(ledger, callerOf(res), certificates.getCertificate, [certificateIdOf(b.issuanceId, b.rangeStart)]);
      attributes.set(b.issuanceId, found.attributes as CertificateAttributes);
      if (found.chargeRecord !== undefined) records.set(b.bundleId, found.chargeRecord);
    }
    const now = nowInstant();
    const bundles = items.map((b) =>
      toEnergyTagBundle(attributes.get(b.issuanceId)!, b as CertificateBundle, now, records.get(b.bundleId)),
    );
    res.json({ items: bundles, bookmark: next });
  });

  r.get('/participants/:participantId/certificates/mwh', async (req, res) => {
    const bundles: CertificateBundle[] = [];
    let bookmark = '';
    for (let pages = 0; pages < MWH_MAX_PAGES; pages++) {
      const answer = await page(res, req.params.participantId, '1000', bookmark);
      bundles.push(...(answer.items as CertificateBundle[]));
      bookmark = answer.bookmark;
      if (bookmark === '') break;
    }
    const asOf = nowInstant();
    res.json({ participantId: req.params.participantId, asOf, complete: bookmark === '', periods: mwhByDeviceMonth(bundles, asOf) });
  });
  return r;
}
