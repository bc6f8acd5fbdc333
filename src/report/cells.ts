import { formatPercent, formatValue, type NumberUnit } from '../core/format.js';
import { OTHER_LEVEL, type ColumnProfile } from '../profile/profile.js';
import type { OverallKpi } from './build.js';

/** A unit as written around a number: a currency symbol before it (`€1,234`), any other unit after (`4.2 days`). */
export function unitOf(unit: string | null): string | NumberUnit | undefined {
  if (!unit) return undefined;
  return /^[€$£¥₹]$/.test(unit) ? { prefix: unit } : unit;
}

/**
 * A value with its unit, 3 significant digits (the whole part kept: `€1,714`); `scale` (the column's overall std)
 * turns floating-point noise into 0.
 */
export function withUnit(x: number | null, unit: string | null, scale?: number | null): string {
  return formatValue(x, { digits: 3, unit: unitOf(unit), scale: scale ?? undefined });
}

/** A profile as one table cell: the mean in its unit, a flag's rate, or a categorical column's most common level. */
export function profileCell(p: ColumnProfile, unit: string | null, scale?: number | null): string {
  if (p.kind === 'numeric') return p.binary ? formatPercent(p.mean) : withUnit(p.mean, unit, scale);
  const top = p.levels.filter((l) => l.level !== OTHER_LEVEL).sort((a, b) => b.share - a.share)[0];
  return top ? `${top.level} ${formatPercent(top.share)}` : '—';
}

/** A KPI value as one table cell: a rate or share in %, else the value in the column's unit. */
export function kpiCell(value: number | null, k: OverallKpi): string {
  return k.rate || k.stat === 'share' ? formatPercent(value) : withUnit(value, k.unit);
}

/** A KPI's heading: `churned rate`, `revenue share`, `revenue sum`. */
export function kpiTitle(k: { column: string; stat: string; rate: boolean }): string {
  return `${k.column} ${k.rate ? 'rate' : k.stat}`;
}
