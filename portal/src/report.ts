/** The certificate report's period from the days a person picks (docs/portal.md, Figures), pure. */

/** [first day 00:00 UTC, the day after the last 00:00 UTC), as the report route takes it. */
export function reportPeriod(range: { from: string; to: string }): { from: string; to: string } {
  const to = new Date(`${range.to}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  return { from: `${range.from}T00:00:00Z`, to: to.toISOString().replace('.000Z', 'Z') };
}
