/**
 * npm run audit -- flex --event <eventId> [--org regulator] [--state .gridledger] [--key <api key>] [--url <gateway>]
 *
 * The demand-response audit (docs/flexibility.md, "Audit"), through a gateway with an operator,
 * utility or regulator key: for every settled participant of the event, the published baseline
 * recomputed from its like days and checked against its hash on the channel, the performance and
 * payment recomputed and checked against the result. Prints JSON; exit 0 when everything holds, 1
 * when anything fails, 2 on an error.
 */
import { parseArgs } from 'node:util';
import { auditFlexParticipant, type FlexAuditInput } from '@gridledger/core';
import { GATEWAY_OPTIONS, gatewayOf, get, print } from './audit-gateway';

export async function auditFlex(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { event: { type: 'string' }, ...GATEWAY_OPTIONS } });
  if (values.event === undefined) throw new Error('name --event <eventId>');
  const { base, key } = gatewayOf(values);
  const at = `${base}/api/v1/flex/events/${encodeURIComponent(values.event)}`;
  const { event, optIns } = (await get(at, key)) as unknown as { event: FlexAuditInput['event']; optIns: FlexAuditInput['optIn'][] };
  const { results } = (await get(`${at}/results`, key)) as unknown as { results: (FlexAuditInput['result'] & { participantId: string })[] };
  const findings: string[] = [];
  for (const result of results) {
    const p = encodeURIComponent(result.participantId);
    const optIn = optIns.find((o) => o.participantId === result.participantId);
    if (optIn === undefined) {
      findings.push(`${result.participantId}: settled without an opt-in`);
      continue;
    }
    const baseline = optIn.baselineHash === undefined ? undefined : ((await get(`${at}/baselines/${p}`, key)) as never);
    const performance = (await get(`${at}/performance/${p}`, key)) as never;
    findings.push(...auditFlexParticipant({ event, optIn, baseline, performance, result }));
  }
  await print({ eventId: event.eventId, participants: results.length, findings, holds: findings.length === 0 });
  return findings.length === 0 ? 0 : 1;
}
