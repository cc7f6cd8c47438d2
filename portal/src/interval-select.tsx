import { localDateTime, utcInterval } from './time';

/** A choice among market intervals, each shown in the user's zone with the interval in UTC on hover. */
export function IntervalSelect(props: {
  label: string;
  intervals: string[];
  intervalSeconds: number;
  value: string;
  onChange(t: string): void;
}) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.intervals.map((t) => (
          <option key={t} value={t} title={utcInterval(t, props.intervalSeconds)}>
            {localDateTime(t)}
          </option>
        ))}
      </select>
    </label>
  );
}
