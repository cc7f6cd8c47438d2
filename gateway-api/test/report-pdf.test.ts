import { certificateReport } from '@gridledger/core';
import { certificateReportPdf } from '../src/report-pdf';

const report = certificateReport({
  from: '2026-11-01T00:00:00Z',
  to: '2026-12-01T00:00:00Z',
  communityId: 'c1',
  asOf: '2026-12-06T10:00:00Z',
  issuers: [{ assetId: 'pv-1', producerId: 'alice', source: 'solar', communityId: 'c1' }],
  issuances: [],
  bundles: [
    {
      issuanceId: 'pv-1@20261121T10Z',
      rangeStart: 1,
      rangeEnd: 4321,
      status: 'active',
      deviceId: 'pv-1',
      energySource: 'solar',
      productionStart: '2026-11-21T10:00:00Z',
      issuedAt: '2026-11-21T11:05:00Z',
      expiresAt: '2027-11-21T11:00:00Z',
    },
  ],
  actions: [],
  market: null,
  matching: {
    periodStart: '2026-11-01T00:00:00Z',
    periodEnd: '2026-12-01T00:00:00Z',
    daysInPeriod: 30,
    daysRecorded: 30,
    consumptionWh: 90_000,
    matchedWh: 30_000,
  },
});

/** The text pdfkit's TJ operators show (uncompressed, standard fonts). */
const shown = (pdf: Buffer) =>
  [...pdf.toString('latin1').matchAll(/\[([^\]]*)\] TJ/g)]
    .map((m) => [...m[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1], 'hex').toString('latin1')).join(''))
    .join('\n');

it('renders the report as a PDF whose text shows its figures, dated by its asOf: the same report, the same bytes', async () => {
  const pdf = await certificateReportPdf(report);
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(pdf.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
  const text = shown(pdf);
  expect(text).toContain('Certificate report');
  expect(text).toContain('alice');
  expect(text).toContain('Matched (24/7) share');
  expect(text).toContain('4321');
  expect(pdf.toString('latin1')).toContain('(GridLedger certificate report 2026-11-01T00:00:00Z to 2026-12-01T00:00:00Z)');
  expect((await certificateReportPdf(report)).equals(pdf)).toBe(true);
});
