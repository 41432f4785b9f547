import { niceMax, shortNumber } from './chartScale';

/**
 * A small dependency-free SVG chart: bars for one measure against a y-axis with values, and the
 * second measure as a line in its own band above the bars (with its own scale), so the two never
 * draw over each other. Non-zero bars carry their value, so one click in a quiet day still reads.
 */
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
  /** Formats axis values and bar labels (e.g. rupiah in short form); plain numbers by default. */
  format?: (value: number) => string;
}

const W = 340;

export default function TimeChart({ points, barLabel, lineLabel, height = 190, format = (v) => shortNumber(v) }: Props) {
  const hasLine = Boolean(lineLabel);
  const left = 34;
  const right = hasLine ? 22 : 6;
  const lane = hasLine ? 34 : 0;
  const pad = { top: 8, bottom: 20 };
  const innerW = W - left - right;
  const barTop = pad.top + lane + (hasLine ? 6 : 0);
  const barH = height - barTop - pad.bottom;
  const top = niceMax(Math.max(0, ...points.map((p) => p.bar)));
  const maxLine = Math.max(0, ...points.map((p) => p.line ?? 0));
  const lineTop = niceMax(maxLine);
  const step = points.length ? innerW / points.length : innerW;
  const barW = Math.max(3, Math.min(28, step * 0.75));
  const labelEvery = Math.max(1, Math.ceil(points.length / 6));
  const showValues = points.filter((p) => p.bar > 0).length <= 8;
  const x = (i: number) => left + i * step + step / 2;
  const yBar = (v: number) => barTop + barH - (v / top) * barH;
  const yLine = (v: number) => pad.top + lane - (v / lineTop) * (lane - 6) - 3;
  const linePath = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${yLine(p.line ?? 0).toFixed(1)}`).join(' ');
  const ticks = [0, top / 2, top];
  return (
    <figure className="chart-wrap" style={{ margin: 0 }}>
      <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-label={lineLabel ? `${barLabel} / ${lineLabel}` : barLabel}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={left} x2={W - right} y1={yBar(v)} y2={yBar(v)} stroke={v === 0 ? '#cbd5e1' : '#eef2f7'} />
            <text className="axis" x={left - 4} y={yBar(v) + 3} textAnchor="end">
              {Number.isInteger(v) ? format(v) : ''}
            </text>
          </g>
        ))}
        {points.map((p, i) => {
          const h = p.bar > 0 ? Math.max(2, (p.bar / top) * barH) : 0;
          return (
            <g key={`${p.label}-${i}`}>
              <rect className="bar" x={x(i) - barW / 2} y={barTop + barH - h} width={barW} height={h} rx={2}>
                <title>{`${p.label}: ${barLabel} ${p.bar}${lineLabel ? `, ${lineLabel} ${p.line ?? 0}` : ''}`}</title>
              </rect>
              {showValues && p.bar > 0 ? (
                <text className="value" x={x(i)} y={barTop + barH - h - 3} textAnchor="middle">
                  {format(p.bar)}
                </text>
              ) : null}
              {i % labelEvery === 0 ? (
                <text x={x(i)} y={height - 6} textAnchor="middle">
                  {p.label}
                </text>
              ) : null}
            </g>
          );
        })}
        {hasLine && points.length ? (
          <g className="line-lane">
            <line x1={left} x2={W - right} y1={pad.top + lane - 3} y2={pad.top + lane - 3} stroke="#fde7c2" />
            <text className="axis line-axis" x={W - right + 3} y={pad.top + 8}>
              {lineTop}
            </text>
            <text className="axis line-axis" x={W - right + 3} y={pad.top + lane - 1}>
              0
            </text>
            {points.length > 1 ? <path className="line" d={linePath} /> : null}
            {points.map((p, i) =>
              (p.line ?? 0) > 0 ? (
                <g key={`dot-${i}`}>
                  <circle className="dot" cx={x(i)} cy={yLine(p.line ?? 0)} r={3.5} />
                  {showValues || maxLine === p.line ? (
                    <text className="value line-value" x={x(i)} y={yLine(p.line ?? 0) - 5} textAnchor="middle">
                      {p.line}
                    </text>
                  ) : null}
                </g>
              ) : null,
            )}
          </g>
        ) : null}
      </svg>
      <figcaption className="muted" style={{ fontSize: '0.85rem' }}>
        <span style={{ color: 'var(--brand)' }}>■</span> {barLabel}
        {lineLabel ? (
          <>
            {' '}
            <span style={{ color: '#d97706' }}>●━</span> {lineLabel}
          </>
        ) : null}
      </figcaption>
    </figure>
  );
}
