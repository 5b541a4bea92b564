/**
 * Checks Prometheus text exposition output: with `promtool check metrics` (Debian's `prometheus`
 * package; `scripts/ensure-test-tools.sh` installs it) when present, and always with a strict parser of our own that
 * enforces the rules promtool lints plus the format's grammar.
 */
import { spawnSync } from 'node:child_process';

export function promtoolAvailable(): boolean {
  return spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
}

/** Problems promtool reports (empty when clean); undefined when promtool is not installed. */
export function promtoolProblems(text: string): string[] | undefined {
  if (!promtoolAvailable()) return undefined;
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.trim()).filter(Boolean);
  return r.status === 0 ? [] : lines.length > 0 ? lines : [`promtool exited ${r.status}`];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export interface Family {
  name: string;
  type: string;
  help: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

function splitLabels(body: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\' && quoted) {
      cur += c + (body[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Parses the text format strictly; throws on the first malformed line. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) families.set(name, (f = { name, type: '', help: '', samples: [] }));
    return f;
  };
  for (const [i, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`line ${i + 1}: bad metric name ${name}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${i + 1}: bad type ${rest}`);
        if (family(name).type) throw new Error(`line ${i + 1}: second TYPE for ${name}`);
        family(name).type = rest;
      } else family(name).help = rest;
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`line ${i + 1}: not a sample: ${line}`);
    const [, name, , labelBody, rawValue] = m as unknown as [string, string, string | undefined, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const pair of labelBody ? splitLabels(labelBody) : []) {
      const lm = LABEL.exec(pair);
      if (!lm) throw new Error(`line ${i + 1}: bad label ${pair}`);
      if (lm[1]! in labels) throw new Error(`line ${i + 1}: duplicate label ${lm[1]}`);
      labels[lm[1]!] = lm[2]!;
    }
    // Values are Go floats: Prometheus accepts NaN and Inf in any letter case (prom-client writes `Nan`).
    const special: Record<string, number> = { '+inf': Infinity, inf: Infinity, '-inf': -Infinity, nan: NaN };
    const value = rawValue.toLowerCase() in special ? special[rawValue.toLowerCase()]! : Number(rawValue);
    if (Number.isNaN(value) && rawValue.toLowerCase() !== 'nan') throw new Error(`line ${i + 1}: bad value ${rawValue}`);
    const base = [...families.keys()].reverse().find((f) => name === f || (name.startsWith(`${f}_`) && /^(bucket|sum|count|total|created)$/.test(name.slice(f.length + 1))));
    if (!base) throw new Error(`line ${i + 1}: sample ${name} before its TYPE`);
    families.get(base)!.samples.push({ name, labels, value });
  }
  return families;
}

/** The lint rules promtool applies, on a parsed exposition: names, help texts, units, histograms. */
export function lintExposition(text: string): string[] {
  const problems: string[] = [];
  for (const f of parseExposition(text).values()) {
    if (!f.help) problems.push(`${f.name}: no help text`);
    if (!f.type) problems.push(`${f.name}: no TYPE`);
    if (f.type === 'counter' && !f.name.endsWith('_total')) problems.push(`${f.name}: counter without _total suffix`);
    if (f.type !== 'counter' && f.name.endsWith('_total')) problems.push(`${f.name}: non-counter with _total suffix`);
    if (/[A-Z]/.test(f.name)) problems.push(`${f.name}: not snake_case`);
    if (/_(milliseconds|millis|ms|kilobytes|megabytes)(_|$)/.test(f.name)) problems.push(`${f.name}: use base units (seconds, bytes)`);
    if (f.type === 'histogram') {
      const series = new Map<string, number[]>();
      for (const s of f.samples.filter((x) => x.name === `${f.name}_bucket`)) {
        const { le, ...rest } = s.labels;
        if (le === undefined) problems.push(`${f.name}: bucket without le`);
        const key = JSON.stringify(rest);
        series.set(key, [...(series.get(key) ?? []), le === '+Inf' ? Infinity : Number(le)]);
      }
      for (const [key, les] of series) {
        if (les[les.length - 1] !== Infinity) problems.push(`${f.name}${key}: last bucket is not +Inf`);
        if (les.some((v, i) => i > 0 && v <= les[i - 1]!)) problems.push(`${f.name}${key}: buckets not increasing`);
      }
    }
  }
  return problems;
}
