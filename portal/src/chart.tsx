/** A time series per interval drawn with uPlot; sized to its container, redrawn when the data change. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { instantOf, localDateTime, utcInterval } from './time';
import { formatKw, formatKwh } from './units';

/** An interval's start in the user's zone, then the interval in UTC. */
const intervalText = (x: number, seconds: number) => `${localDateTime(instantOf(x))} (${utcInterval(instantOf(x), seconds)})`;

export interface Series {
  label: string;
  color: string;
  values: (number | null)[];
}

/** x: epoch seconds (time: true) or plain numbers; range fixes the x scale (today's chart shows the whole day). */
export function IntervalChart(props: {
  title: string;
  x: number[];
  series: Series[];
  unit: string;
  time?: boolean;
  range?: [number, number];
  bars?: boolean;
  /** The values are whole Wh: the axis in kWh, the hover legend exact (formatKwh). */
  wh?: boolean;
  /** The values are whole W: the axis in kW, the hover legend exact (formatKw). */
  w?: boolean;
  /** With it, the hover legend shows the interval in the user's zone and in UTC. */
  intervalSeconds?: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const seconds = props.intervalSeconds;
    const exact = props.wh ? formatKwh : props.w ? formatKw : undefined;
    const options: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      legend: { show: true },
      scales: { x: { time: props.time ?? true, ...(props.range ? { range: props.range } : {}) } },
      axes: [
        {},
        {
          label: props.unit,
          size: 60,
          ...(exact
            ? {
                values: (_u: uPlot, ticks: number[]) =>
                  ticks.map((t) => (t / 1000).toLocaleString(undefined, { maximumFractionDigits: 3 })),
              }
            : {}),
        },
      ],
      series: [
        {
          label: props.time === false ? 'Energy' : 'Time',
          ...(seconds ? { value: (_u: uPlot, x: number | null) => (x === null ? '' : intervalText(x, seconds)) } : {}),
        },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: true },
          ...(exact ? { value: (_u: uPlot, v: number | null) => (v === null ? '—' : exact(v)) } : {}),
          ...(props.bars ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
      ],
    };
    const plot = new uPlot(options, [props.x, ...props.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [props.x, props.series, props.unit, props.bars, props.time, props.range, props.wh, props.w, props.intervalSeconds]);
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title}: ${props.series.map((s) => s.label).join(', ')} in ${props.unit}`} />
    </figure>
  );
}
