/** The Markdown table of a bench run: one section per comparison, its rows, ratio and target. */
const fmt = (v) => {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'object') return Object.entries(v).map(([k, x]) => `${k} ${fmt(x)}`).join(', ');
  return String(v);
};

function table(rows) {
  if (!rows?.length) return '';
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = `| ${columns.join(' | ')} |\n|${columns.map(() => '---').join('|')}|\n`;
  return head + rows.map((r) => `| ${columns.map((c) => fmt(r[c])).join(' | ')} |`).join('\n') + '\n';
}

export function renderMarkdown(report) {
  const m = report.machine;
  let out = `# Benchmark results\n\n${report.generated_at} · ${m.cpus} CPU (${m.cpu_model}) · ${m.memory_gb} GB · Node ${m.node} · ${m.platform}${report.quick ? ' · quick run' : ''}\n\n`;
  out += 'Absolute figures depend on the machine (and on whatever else runs on it); the ratios are what to compare.\n\n';
  for (const r of report.results) {
    out += `## ${r.id}. ${r.title}\n\n`;
    if (r.error) {
      out += `**Not measured:** ${r.error}\n\n`;
      continue;
    }
    if (r.settings) out += `Settings: ${fmt(r.settings)}\n\n`;
    out += table(r.rows);
    if (r.stage_times) out += `\nTime per stage (ms):\n\n${table(r.stage_times)}`;
    if (r.memory) out += `\nPeak RSS (MB): ${fmt(r.memory)}\n`;
    if (r.ratio !== undefined) out += `\n${r.ratio_label ?? 'Ratio (pipeline / baseline)'}: **${r.ratio}**\n`;
    if (r.target) out += `\nTarget: ${r.target} → **${r.target_met ? 'met' : 'missed'}**\n`;
    if (r.note) out += `\n${r.note}\n`;
    out += '\n';
  }
  return out;
}
