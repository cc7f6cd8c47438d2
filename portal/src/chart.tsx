/** A time series per interval drawn with uPlot; sized to its container, redrawn when the data change. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

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
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const options: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      legend: { show: true },
      scales: { x: { time: props.time ?? true, ...(props.range ? { range: props.range } : {}) } },
      axes: [{}, { label: props.unit, size: 60 }],
      series: [
        { label: props.time === false ? 'Energy' : 'Time' },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          points: { show: true },
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
  }, [props.x, props.series, props.unit, props.bars, props.time, props.range]);
  return (
    <figure className="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={box} role="img" aria-label={`${props.title}: ${props.series.map((s) => s.label).join(', ')} in ${props.unit}`} />
    </figure>
  );
}
