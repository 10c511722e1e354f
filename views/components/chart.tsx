// VIEW: events per minute as a bar chart, drawn on the server as SVG (no chart library, no script).
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";

const width = 600;
const height = 90;
const plot = 72;

export function MinuteChart({ buckets }: { buckets: readonly number[] }) {
  const peak = Math.max(1, ...buckets);
  const total = buckets.reduce((a, b) => a + b, 0);
  const step = width / Math.max(buckets.length, 1);
  const summary = `${total} events in the last ${buckets.length} minutes, at most ${Math.max(...buckets, 0)} in one minute`;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-label={summary} preserveAspectRatio="none">
      <title safe>{summary}</title>
      <line class="chart-axis" x1="0" y1={plot} x2={width} y2={plot} />
      {buckets.map((n, i) => {
        const h = n === 0 ? 0 : Math.max(2, Math.round((n / peak) * (plot - 4)));
        const ago = buckets.length - 1 - i;
        return (
          <rect class="chart-bar" x={(i * step + 1).toFixed(1)} y={plot - h} width={(step - 2).toFixed(1)} height={h}>
            <title safe>{`${n} events, ${ago === 0 ? "this minute" : `${ago} min ago`}`}</title>
          </rect>
        );
      })}
      <text class="chart-label" x="0" y={height - 4}>
        −{buckets.length} min
      </text>
      <text class="chart-label" x={width} y={height - 4} text-anchor="end">
        now
      </text>
    </svg>
  );
}
