/**
 * Archiving an hour of readings on the real network (docs/bounded-state.md, the prototype): a
 * meter's readings of an hour 46 hours back are recorded; the hour cannot be archived while its
 * horizons last; with the horizons shortened for the test it is archived page by page, its records
 * leave the world state and one record with their count and Merkle root stays; reading one answers
 * READING_ARCHIVED, and a resend of one is refused as archived, not recorded again. The parameters
 * are set back afterwards. Runs alone or late: other files' readings of that hour are archived too.
 */
import { DEFAULT_METERING_PARAMS } from '@gridledger/core';
import { ledgerClient } from '@gridledger/network';
import { api, chaincodeCodeOf, newProsumerWithMeter, operatorKey, pastInterval, profile, signReading } from './support';

/** The shortest horizons for the test: hours that ended 25 hours ago may be archived. */
const SHORT_HORIZON = { lateWindowSeconds: 3600, disputeWindowSeconds: 3600, correctionWindowSeconds: 3600, archiveAfterSeconds: 90_000 };
const { archiveAfterSeconds, lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds } = DEFAULT_METERING_PARAMS;
const DEFAULT_HORIZON = { archiveAfterSeconds, lateWindowSeconds, disputeWindowSeconds, correctionWindowSeconds };

it('archives an hour once its horizons have passed, keeps its root, and refuses the hour afterwards', async () => {
  const meter = await newProsumerWithMeter();
  // The four intervals of the hour that starts 46 hours before the last ended interval's hour.
  const first = pastInterval(46 * 4);
  const hourStart = `${first.slice(0, 13)}:00:00Z`;
  const back = Math.round((Date.parse(pastInterval(0)) - Date.parse(hourStart)) / 900_000);
  const readings = [0, 1, 2, 3].map((k) =>
    signReading(
      {
        meterId: meter.meterId,
        intervalStart: pastInterval(back - k),
        seq: k + 1,
        importWh: 100 + k,
        exportWh: 10 * k,
        importRegisterWh: 2_000_000 + 100 * (k + 1) + (k * (k + 1)) / 2,
        exportRegisterWh: 5 * k * (k + 1),
      },
      meter.privateKeyPem,
    ),
  );
  const sent = await api('community', operatorKey(), 'POST', '/readings', { readings });
  expect(sent.status).toBe(200);
  expect(sent.body.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);

  const hour = hourStart.slice(0, 13);
  const client = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
  try {
    const notDue = await client.submit('metering:archiveReadingHour', JSON.stringify({ hour })).catch((e: unknown) => e);
    expect(chaincodeCodeOf(notDue)).toBe('ARCHIVE_NOT_DUE');
    await client.submit('metering:setParams', JSON.stringify(SHORT_HORIZON));
    let archive: { count: number; done: boolean; root: string; pages: number };
    do {
      archive = JSON.parse((await client.submit('metering:archiveReadingHour', JSON.stringify({ hour, pageSize: 2 }))).result);
    } while (!archive.done);
    expect(archive.count).toBeGreaterThanOrEqual(4);
    expect(archive.root).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(await client.evaluate('metering:getReadingHourArchive', hour))).toEqual(archive);

    const read = await client.evaluate('metering:getReading', meter.meterId, readings[1].intervalStart).catch((e: unknown) => e);
    expect(chaincodeCodeOf(read)).toBe('READING_ARCHIVED');
    const resent = await api('community', operatorKey(), 'POST', '/readings', { readings: [readings[2]] });
    expect(resent.body.results).toEqual([expect.objectContaining({ status: 'rejected', code: 'READING_ARCHIVED' })]);
    // Idempotent: the finished hour is answered as it is.
    expect(JSON.parse((await client.submit('metering:archiveReadingHour', JSON.stringify({ hour }))).result)).toEqual(archive);
  } finally {
    await client.submit('metering:setParams', JSON.stringify(DEFAULT_HORIZON));
    client.close();
  }
}, 600_000);
