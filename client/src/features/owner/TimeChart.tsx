/** A small dependency-free SVG chart: bars for one measure, a line for a second, labels every few points. */
export interface ChartPoint {
  label: string;
  bar: number;
  line?: number;
}

interface Props {
  points: ChartPoint[];
  barLabel: string;
  lineLabel?: string;
  height?: number;
}

const W = 340;

export default function TimeChart({ points, barLabel, lineLabel, height = 160 }: Props) {
  const pad = { top: 10, right: 6, bottom: 22, left: 6 };
  const innerW = W - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const maxBar = Math.max(1, ...points.map((p) => p.bar));
  const maxLine = Math.max(1, ...points.map((p) => p.line ?? 0));
  const step = points.length ? innerW / points.length : innerW;
  const barW = Math.max(2, step * 0.7);
  const labelEvery = Math.max(1, Math.ceil(points.length / 6));
  const linePath = points
    .map((p, i) => {
      const x = pad.left + i * step + step / 2;
      const y = pad.top + innerH - ((p.line ?? 0) / maxLine) * innerH;
      return `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  return (
    <figure className="chart-wrap" style={{ margin: 0 }}>
      <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={lineLabel ? `${barLabel} / ${lineLabel}` : barLabel}>
        <line x1={pad.left} x2={W - pad.right} y1={pad.top + innerH} y2={pad.top + innerH} stroke="#e5e7eb" />
        {points.map((p, i) => {
          const h = (p.bar / maxBar) * innerH;
          const x = pad.left + i * step + (step - barW) / 2;
          return (
            <g key={`${p.label}-${i}`}>
              <rect className="bar" x={x} y={pad.top + innerH - h} width={barW} height={h} rx={2}>
                <title>{`${p.label}: ${p.bar}${lineLabel ? ` / ${p.line ?? 0}` : ''}`}</title>
              </rect>
              {i % labelEvery === 0 ? (
                <text x={x + barW / 2} y={height - 6} textAnchor="middle">
                  {p.label}
                </text>
              ) : null}
            </g>
          );
        })}
        {lineLabel && points.length > 1 ? <path className="line" d={linePath} /> : null}
      </svg>
      <figcaption className="muted" style={{ fontSize: '0.85rem' }}>
        <span style={{ color: 'var(--brand)' }}>■</span> {barLabel}
        {lineLabel ? (
          <>
            {' '}
            <span style={{ color: '#f59e0b' }}>━</span> {lineLabel}
          </>
        ) : null}
      </figcaption>
    </figure>
  );
}
