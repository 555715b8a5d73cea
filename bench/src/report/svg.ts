/**
 * The run's chart, as a standalone SVG written by hand: horizontal bars of each subject's
 * throughput as a percentage of its baseline from the same run (plain Socket.IO for the relay,
 * the raw driver for appends), with the target drawn as a dashed line.
 */
import type { BenchRun } from '../results';
import { metricsOf, rawBest } from '../targets';
import { appendVariant } from '../workloads/append';
import { relayVariant } from '../workloads/relay';
import { RAW_SUBJECTS } from '../workloads/store-suite';
import { formatPercent } from './format';
import type { BackendId } from '../subjects';

/** One bar: a label and a percentage, or null when not measured. */
interface Bar {
  label: string;
  value: number | null;
}

/** A titled group of bars sharing one target line. */
interface Panel {
  title: string;
  target: number;
  bars: Bar[];
}

const WIDTH = 820;
const LABEL_WIDTH = 300;
const BAR_AREA = 420;
const BAR_HEIGHT = 16;
const BAR_GAP = 5;
const TITLE_HEIGHT = 28;
const PANEL_GAP = 14;
const COLORS = { bar: '#3b82f6', baseline: '#9ca3af', missed: '#f97316', target: '#dc2626', text: '#111827', muted: '#6b7280' };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function percent(value: number | undefined, base: number | undefined): number | null {
  return value === undefined || base === undefined || base <= 0 ? null : (value / base) * 100;
}

function panels(run: BenchRun, manyReceivers: number, topConcurrency: number): Panel[] {
  const socketSubjects = Object.keys(run.subjects).filter((id) => run.rows.some((r) => r.workload === 'relay' && r.subject === id));
  const relayPanel = (receivers: number, target: number): Panel => {
    const variant = relayVariant(receivers);
    const plain = metricsOf(run.rows, 'relay', 'plain', variant)?.messagesPerSec;
    return {
      title: `Relay, ${variant.replace('-', ' ')}: msgs/s as % of plain Socket.IO (target ≥ ${target}% for Redis, PostgreSQL)`,
      target,
      bars: socketSubjects.map((subject) => ({
        label: run.subjects[subject] ?? subject,
        value: percent(metricsOf(run.rows, 'relay', subject, variant)?.messagesPerSec, plain),
      })),
    };
  };
  const appendBars = (Object.entries(RAW_SUBJECTS) as [BackendId, string][])
    .filter(([backend]) => `roomlog-${backend}` in run.subjects)
    .map(([backend, raw]) => ({
      label: run.subjects[`roomlog-${backend}`] ?? backend,
      value: percent(
        metricsOf(run.rows, 'append', `roomlog-${backend}`, appendVariant(topConcurrency))?.messagesPerSec,
        rawBest(run.rows, raw),
      ),
    }));
  return [
    relayPanel(1, 70),
    relayPanel(manyReceivers, 90),
    {
      title: `Append at concurrency ${topConcurrency}: msgs/s as % of the same-guarantees raw driver's best batched write (target ≥ 80%)`,
      target: 80,
      bars: appendBars,
    },
  ].filter((panel) => panel.bars.length > 0);
}

/** Renders the chart of one run. */
export function renderChart(run: BenchRun, manyReceivers: number, topConcurrency: number): string {
  const groups = panels(run, manyReceivers, topConcurrency);
  const scaleMax = Math.max(120, ...groups.flatMap((g) => g.bars.map((b) => b.value ?? 0)));
  const x = (value: number) => LABEL_WIDTH + (Math.min(value, scaleMax) / scaleMax) * BAR_AREA;
  const parts: string[] = [];
  let y = 40;
  for (const group of groups) {
    parts.push(`<text x="10" y="${y + 16}" font-weight="bold">${escapeXml(group.title)}</text>`);
    y += TITLE_HEIGHT;
    const top = y;
    for (const bar of group.bars) {
      parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y + 12}" text-anchor="end">${escapeXml(bar.label)}</text>`);
      if (bar.value === null) {
        parts.push(`<text x="${LABEL_WIDTH + 4}" y="${y + 12}" fill="${COLORS.muted}">not measured</text>`);
      } else {
        // Targets apply to Roomlog; the Socket.IO baselines are drawn for comparison only.
        const color = bar.label.startsWith('Socket.IO') ? COLORS.baseline : bar.value >= group.target ? COLORS.bar : COLORS.missed;
        parts.push(
          `<rect x="${LABEL_WIDTH}" y="${y}" width="${(x(bar.value) - LABEL_WIDTH).toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"/>`,
        );
        parts.push(`<text x="${(x(bar.value) + 4).toFixed(1)}" y="${y + 12}">${formatPercent(bar.value)}</text>`);
      }
      y += BAR_HEIGHT + BAR_GAP;
    }
    const tx = x(group.target).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top - 3}" x2="${tx}" y2="${y - BAR_GAP + 3}" stroke="${COLORS.target}" stroke-dasharray="4 3"/>`);
    y += PANEL_GAP;
  }
  const legend = `bars: orange = below target, blue = at or above; dashed red = target; grey = Socket.IO baselines. Mode: ${run.mode}, ${run.startedAt}`;
  parts.push(`<text x="10" y="${y + 8}" fill="${COLORS.muted}" font-size="11">${escapeXml(legend)}</text>`);
  const height = y + 24;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="${COLORS.text}">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Roomlog: cost of persistence, measured side by side in one run</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
