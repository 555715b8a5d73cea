/**
 * Number formatting shared by the Markdown table and the chart.
 */

/** A rate, rounded to 3 significant digits, with thousands separators: `66,100`. */
export function formatRate(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Math.max(0, Math.floor(Math.log10(Math.max(1, Math.abs(value)))) - 2);
  const rounded = Math.round(value / 10 ** digits) * 10 ** digits;
  return rounded.toLocaleString('en-US', { maximumFractionDigits: value < 100 ? 1 : 0 });
}

/** Milliseconds with two decimals (three below 0.1 ms): `0.85`. */
export function formatMs(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return value < 0.1 ? value.toFixed(3) : value.toFixed(2);
}

/** A percentage without decimals: `93%`. */
export function formatPercent(value: number): string {
  return `${Math.round(value)}%`;
}
