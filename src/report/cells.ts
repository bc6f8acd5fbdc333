import type { ColumnProfile } from '../profile/profile.js';
import type { OverallKpi } from './build.js';

/** A share for people: `62 %`, one decimal below 10 % and near 100 % (`4.5 %`, `99.6 %`). */
export function percent(x: number | null): string {
  if (x === null || Number.isNaN(x)) return '—';
  return `${(x * 100).toFixed(x >= 0.995 || x < 0.1 ? 1 : 0)} %`;
}

/** A value with its unit: a currency symbol before (`€1,234`, `-€5.20`), any other unit after (`4.2 days`). */
export function withUnit(x: number | null, unit: string | null): string {
  if (x === null || Number.isNaN(x)) return '—';
  const t = readable(x);
  if (!unit) return t;
  return /^[€$£¥]$/.test(unit)
    ? `${t.startsWith('-') ? '-' : ''}${unit}${t.replace(/^-/, '')}`
    : `${t} ${unit}`;
}

/** A number for people: 3 significant digits below 1,000, whole and grouped above; never an exponent. */
export function readable(x: number): string {
  const a = Math.abs(x);
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '—' : x > 0 ? '∞' : '−∞';
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a < 1e-9) return '0';
  const digits = Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(a))));
  return x.toFixed(digits);
}

/** A profile as one table cell: the mean in its unit, a flag's rate, or a categorical column's most common level. */
export function profileCell(p: ColumnProfile, unit: string | null): string {
  if (p.kind === 'numeric') return p.binary ? percent(p.mean) : withUnit(p.mean, unit);
  const top = [...p.levels].sort((a, b) => b.share - a.share)[0];
  return top ? `${top.level} ${percent(top.share)}` : '—';
}

/** A KPI value as one table cell: a rate or share in %, else the value in the column's unit. */
export function kpiCell(value: number | null, k: OverallKpi): string {
  return k.rate || k.stat === 'share' ? percent(value) : withUnit(value, k.unit);
}

/** A KPI's heading: `churned rate`, `revenue share`, `revenue sum`. */
export function kpiTitle(k: { column: string; stat: string; rate: boolean }): string {
  return `${k.column} ${k.rate ? 'rate' : k.stat}`;
}
