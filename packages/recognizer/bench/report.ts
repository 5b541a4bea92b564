/** Writes the benchmark results as JSON (everything) and Markdown (the summary tables). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ItemResult, SetSummary } from './evaluate';

export interface BenchReport {
  generatedAt: string;
  machine: { cpus: number; node: string };
  summaries: SetSummary[];
  items: Record<string, ItemResult[]>;
  notes: string[];
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;

export function markdown(report: BenchReport): string {
  const lines = [
    '# @mpp/recognizer benchmark',
    '',
    `Generated ${report.generatedAt} on ${report.machine.cpus} CPU(s), Node ${report.machine.node}; one formula at a time, one core.`,
    '',
    '| set | system | n | exact match | image match | token edit distance (mean) | pooled | symbol accuracy | BLEU-4 | ms / formula |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...report.summaries.map((s) => `| ${s.set} | ${s.system} | ${s.count} | ${pct(s.exactMatch)} | ${pct(s.imageMatch)} | ${s.editDistance.toFixed(3)} | ${s.editDistancePooled.toFixed(3)} | ${pct(s.symbolAccuracy)} | ${s.bleu4.toFixed(3)} | ${s.msPerFormula.toFixed(0)} |`),
    '',
    '## Per construct (exact match / image match among the formulas whose ground truth contains it)',
    '',
    '| set | system | construct | n | exact match | image match |',
    '|---|---|---|---:|---:|---:|',
    ...report.summaries.flatMap((s) =>
      Object.entries(s.constructs)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([c, v]) => `| ${s.set} | ${s.system} | ${c} | ${v.count} | ${pct(v.exact / v.count)} | ${pct(v.imageMatch / v.count)} |`),
    ),
    '',
    '## Per rendering size (synthetic set: px per em, scripts are drawn at about 0.7 of it)',
    '',
    '| set | system | px / em | n | exact match | image match |',
    '|---|---|---:|---:|---:|---:|',
    ...report.summaries.flatMap((s) =>
      Object.entries(s.sizes ?? {})
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([size, v]) => `| ${s.set} | ${s.system} | ${size} | ${v.count} | ${pct(v.exact / v.count)} | ${pct(v.imageMatch / v.count)} |`),
    ),
    '',
    '## Confidence (systems that give one): answers kept at or above a threshold, and how many of them are right',
    '',
    '| set | system | threshold | kept | image match among kept |',
    '|---|---|---:|---:|---:|',
    ...report.summaries.flatMap((s) => (s.calibration ?? []).map((c) => `| ${s.set} | ${s.system} | ${c.threshold.toFixed(2)} | ${pct(c.kept)} | ${pct(c.imageMatch)} |`)),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ];
  return lines.join('\n');
}

export function writeReport(dir: string, report: BenchReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'recognizer.json');
  const md = path.join(dir, 'recognizer.md');
  writeFileSync(json, `${JSON.stringify(report, null, 1)}\n`);
  writeFileSync(md, markdown(report));
  return { json, md };
}
