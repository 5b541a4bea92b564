/**
 * Draws a bench run as one SVG: a panel of horizontal bars per comparison. Hand-written SVG so
 * the bench needs no plotting library.
 */
const W = 460;
const BAR_H = 18;
const GAP = 6;
const LABEL_W = 190;
const COLORS = ['#8c8c8c', '#2f6fb0', '#4a9a5b', '#c07a2c', '#8a4fb0', '#b04f5a', '#4fa6b0', '#6b6b2f'];

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(x, y, title, bars, unit) {
  const max = Math.max(...bars.map((b) => b.value || 0), 1e-9);
  const plotW = W - LABEL_W - 70;
  let svg = `<g transform="translate(${x},${y})"><text x="0" y="14" font-weight="bold" font-size="13">${esc(title)}</text>`;
  bars.forEach((b, i) => {
    const by = 24 + i * (BAR_H + GAP);
    const w = Math.max(1, ((b.value || 0) / max) * plotW);
    svg += `<text x="${LABEL_W - 6}" y="${by + 13}" font-size="11" text-anchor="end">${esc(b.label)}</text>`;
    svg += `<rect x="${LABEL_W}" y="${by}" width="${w.toFixed(1)}" height="${BAR_H}" fill="${COLORS[i % COLORS.length]}"/>`;
    svg += `<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${by + 13}" font-size="11">${esc(b.value ?? '–')} ${esc(unit)}</text>`;
  });
  return { svg: `${svg}</g>`, height: 24 + bars.length * (BAR_H + GAP) + 18 };
}

function panelsFor(r) {
  if (r.error || !r.rows) return [];
  switch (r.id) {
    case 1:
      return [
        { title: '1. Orchestration: throughput', unit: 'img/s', bars: r.rows.map((x) => ({ label: x.side, value: x.images_per_s })) },
        { title: '1. Orchestration: p95 latency', unit: 'ms', bars: r.rows.map((x) => ({ label: x.side, value: x.p95_ms })) },
      ];
    case 2:
      return [{ title: '2. Submission: requests per second', unit: 'req/s', bars: r.rows.map((x) => ({ label: x.side, value: x.per_second })) }];
    case 3:
      return [
        { title: '3. Real work: p50 time per stage', unit: 'ms', bars: (r.stage_times ?? []).map((s) => ({ label: `${s.stage} ${s.name}`, value: s.p50 })) },
        { title: '3. Real work: peak RSS', unit: 'MB', bars: Object.entries(r.memory ?? {}).map(([k, v]) => ({ label: k, value: v })) },
      ];
    case 4:
      return [{ title: '4. Cache: p50 latency', unit: 'ms', bars: r.rows.map((x) => ({ label: `${x.submission} submission`, value: x.p50_ms })) }];
    case 5:
      return [{ title: '5. Scaling: throughput (500 ms providers)', unit: 'img/s', bars: r.rows.map((x) => ({ label: `${x.worker_processes} worker process(es)`, value: x.images_per_s })) }];
    default:
      return [];
  }
}

export function renderChart(report) {
  const panels = report.results.flatMap(panelsFor);
  let y = 40;
  let body = '';
  for (const p of panels) {
    const drawn = panel(20, y, p.title, p.bars, p.unit);
    body += drawn.svg;
    y += drawn.height;
  }
  const header = `<text x="20" y="24" font-size="15" font-weight="bold">mathpix-pipeline bench · ${esc(report.generated_at.slice(0, 16).replace('T', ' '))} · ${report.machine.cpus} CPU</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W + 40}" height="${y + 10}" font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>${header}${body}</svg>\n`;
}
