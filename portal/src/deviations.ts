/** What a settlement record says about deviations: each participant's, and the totals the utility supplied and took. */

export interface SettledParticipant {
  participantId: string;
  side: 'buy' | 'sell';
  tradedWh: number;
  netWh: number;
  /** > 0 taken by the utility, < 0 supplied by it. */
  deviationWh: number;
  netMicros: number;
  estimated: boolean;
}

export interface DeviationTotals {
  suppliedWh: number;
  takenWh: number;
  estimated: number;
  participants: number;
}

export function deviationTotals(participants: readonly SettledParticipant[]): DeviationTotals {
  let suppliedWh = 0;
  let takenWh = 0;
  let estimated = 0;
  for (const p of participants) {
    if (p.deviationWh < 0) suppliedWh -= p.deviationWh;
    else takenWh += p.deviationWh;
    if (p.estimated) estimated++;
  }
  return { suppliedWh, takenWh, estimated, participants: participants.length };
}
