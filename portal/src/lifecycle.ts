/** An interval's way through the market (open, closed, cleared, settled) as the operator follows it. */
import { instantOf } from './time';

export type Status = 'not-open' | 'open' | 'gate-closed' | 'closed' | 'clearing' | 'cleared' | 'settling' | 'settled';

export const STAGES = ['open', 'closed', 'cleared', 'settled'] as const;
export type Stage = (typeof STAGES)[number];

/** How many of the four stages the interval has reached (0: not open yet), and the step under way, if any. */
export function stageOf(status: Status): { reached: number; underway?: string } {
  switch (status) {
    case 'not-open':
      return { reached: 0 };
    case 'open':
      return { reached: 1 };
    case 'gate-closed':
      return { reached: 1, underway: 'gate closed, waiting to be closed' };
    case 'closed':
      return { reached: 2 };
    case 'clearing':
      return { reached: 2, underway: 'clearing' };
    case 'cleared':
      return { reached: 3 };
    case 'settling':
      return { reached: 3, underway: 'settling' };
    case 'settled':
      return { reached: 4 };
  }
}

/** The starts of the `past` intervals that ended last and the `ahead` intervals from the current one, oldest first. */
export function intervalsAround(intervalSeconds: number, past: number, ahead: number, now = Date.now() / 1000): string[] {
  const current = Math.floor(now / intervalSeconds) * intervalSeconds;
  const out: string[] = [];
  for (let i = -past; i < ahead; i++) out.push(instantOf(current + i * intervalSeconds));
  return out;
}
