/**
 * The regulator's certificate report as a PDF to file (pdfkit, standard Helvetica: no font files).
 * Streams are left uncompressed so that the figures can be read from the file with a text tool,
 * and the document's dates are the report's `asOf`: the same report gives the same figures.
 */
import PDFDocument from 'pdfkit';
import type { CertificateReport, ProducerFigures } from '@gridledger/core';

const COLUMNS: [keyof ProducerFigures, string][] = [
  ['producerId', 'producer'],
  ['source', 'source'],
  ['issuedWh', 'issued Wh'],
  ['transferredWh', 'transferred Wh'],
  ['claimedWh', 'claimed Wh'],
  ['expiredWh', 'expired Wh'],
  ['withdrawnWh', 'withdrawn Wh'],
];
const WIDTHS = [130, 50, 65, 75, 65, 65, 70];

const ppm = (value: number | null): string => (value === null ? 'n/a' : `${(value / 10_000).toFixed(2)} %`);

export function certificateReportPdf(r: CertificateReport): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 40,
    compress: false,
    info: {
      Title: `GridLedger certificate report ${r.from} to ${r.to}`,
      Subject: r.communityId === null ? 'all communities' : `community ${r.communityId}`,
      Producer: 'GridLedger',
      CreationDate: new Date(r.asOf),
      ModDate: new Date(r.asOf),
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  doc.font('Helvetica-Bold').fontSize(14).text('Certificate report');
  doc.font('Helvetica').fontSize(9);
  doc.text(`Period ${r.from} to ${r.to}; ${r.communityId === null ? 'all communities' : `community ${r.communityId}`}; as of ${r.asOf}`);
  doc.text(
    "Issued, expired and withdrawn: certificates of the period's production hours. Transferred and claimed: transactions in the period.",
  );
  doc.moveDown();
  const line = (cells: string[], bold = false) => {
    const y = doc.y;
    let x = doc.page.margins.left;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    cells.forEach((c, k) => {
      doc.text(c, x, y, { width: WIDTHS[k] - 4, lineBreak: false, ellipsis: true });
      x += WIDTHS[k];
    });
    doc.x = doc.page.margins.left;
    doc.y = y + 13;
    if (doc.y > doc.page.height - doc.page.margins.bottom - 20) doc.addPage();
  };
  line(
    COLUMNS.map(([, title]) => title),
    true,
  );
  for (const p of r.producers) line(COLUMNS.map(([k]) => String(p[k])));
  line(['total', '', ...COLUMNS.slice(2).map(([k]) => String(r.totals[k as keyof typeof r.totals]))], true);
  doc.moveDown();
  doc.font('Helvetica');
  if (r.market !== null) {
    const m = r.market;
    doc.text(
      `P2P volume ${m.p2pVolumeWh} Wh (spot ${m.spotVolumeWh} Wh, contracts ${m.contractVolumeWh} Wh) in ${m.intervals} settled intervals`,
    );
    doc.text(
      `Average P2P price ${m.averageP2pPrice.microsPerKwh ?? 'n/a'} micros/kWh; ` +
        `clearing price ${m.clearingPrice.microsPerKwh ?? 'n/a'} micros/kWh`,
    );
    doc.text(`Intervals not settled yet: ${m.notSettled.length}`);
  } else doc.text('No market figures: name a community that has a market.');
  if (r.renewableShare !== null) {
    const s = r.renewableShare;
    doc.text(
      `Renewable share of consumption ${ppm(s.share.ppm)}: ` +
        `bundled P2P ${s.bundledWh} Wh + claimed ${s.claimedWh} Wh of ${s.consumptionWh} Wh`,
    );
  }
  if (r.matchedShare !== null) {
    const m = r.matchedShare;
    doc.text(
      `Matched (24/7) share ${ppm(m.share.ppm)}: ${m.matchedWh} Wh of ${m.consumptionWh} Wh consumed, hour by hour, ` +
        `over ${m.daysRecorded} of ${m.daysInPeriod} whole days recorded (${m.periodStart} to ${m.periodEnd})`,
    );
  } else doc.text('Matched share: needs a community and a whole UTC day in the period.');
  doc.moveDown();
  doc.text('Every figure is recomputed from the ledger by: npm run audit -- certificates --report <this report as JSON>');
  doc.end();
  return done;
}
