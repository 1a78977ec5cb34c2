/**
 * @module The traffic charts, drawn by uPlot (bundled into /ui/app.js, its style sheet into
 * /ui/app.css; see ../embed.mjs). uPlot draws on a canvas and sets the few styles it needs
 * through the CSSOM (`element.style.width = …`), which a `style-src 'self'` policy allows: no
 * inline style, no `<style>`, no eval. A chart is made once and given new data on each refresh;
 * it is made again only when its series change (a protocol or verdict seen for the first time).
 */

import uPlot from 'uplot';
import { byId, onResize, type DomElement } from './dom.js';
import { duration, trafficCharts, type ChartData, type TrafficSnapshot } from './traffic-view.js';

const HEIGHT = 170;

interface Drawn {
  readonly plot: uPlot;
  readonly holder: DomElement;
  /** The series' labels, to tell when the chart must be made again. */
  readonly labels: string;
}

const drawn = new Map<string, Drawn>();

const widthOf = (holder: DomElement): number => Math.max(280, holder.clientWidth);

function options(chart: ChartData, width: number, latency: boolean): uPlot.Options {
  const counts = (_plot: uPlot, splits: number[]) => splits.map((split) => (Number.isInteger(split) ? String(split) : ''));
  const times = (_plot: uPlot, splits: number[]) => splits.map((split) => duration(split));
  return {
    width,
    height: HEIGHT,
    series: [
      {},
      ...chart.series.map((series) => ({
        label: series.label,
        stroke: series.color,
        width: 2,
        // Latency has gaps (minutes without a request): a lone minute shows as a dot.
        points: { show: latency, size: 5, fill: series.color },
      })),
    ],
    scales: { y: { range: (_plot, _min, max) => [0, Math.max(latency ? 10 : 1, max * 1.1)] } },
    axes: [{}, { values: latency ? times : counts, size: latency ? 64 : 44 }],
    // The legend names the series; the values a live legend would show are on the axes already.
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
}

function aligned(chart: ChartData): uPlot.AlignedData {
  return [chart.x as number[], ...chart.series.map((series) => series.values as (number | null)[])];
}

function draw(id: string, chart: ChartData, latency = false): void {
  const labels = chart.series.map((series) => series.label).join('\n');
  const existing = drawn.get(id);
  if (existing !== undefined && existing.labels === labels) {
    existing.plot.setData(aligned(chart));
    return;
  }
  existing?.plot.destroy();
  const holder = byId(id);
  const plot = new uPlot(options(chart, widthOf(holder), latency), aligned(chart), holder);
  drawn.set(id, { plot, holder, labels });
}

/** Draws (or updates) the four charts from a traffic snapshot. */
export function drawCharts(snapshot: TrafficSnapshot): void {
  const charts = trafficCharts(snapshot);
  draw('chart-protocol', charts.byProtocol);
  draw('chart-status', charts.byStatus);
  draw('chart-verdict', charts.byVerdict);
  draw('chart-latency', charts.latency, true);
}

onResize(() => {
  for (const { plot, holder } of drawn.values()) plot.setSize({ width: widthOf(holder), height: HEIGHT });
});
