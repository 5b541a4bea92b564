/**
 * Every PromQL query the deployment files run against our metrics (Grafana panels, alert rules,
 * KEDA triggers, the prometheus-adapter rule), and what each one references: metric names, the
 * labels it selects on (with their literal values) and the labels it groups by.
 */
import { parse as parseYaml } from 'yaml';
import { read, yamlDocs, type Doc } from './deploy-files';

export interface Query {
  /** Where the query lives, for failure messages. */
  source: string;
  expr: string;
}

export function deploymentQueries(): Query[] {
  const dashboard = JSON.parse(read('infra/grafana/dashboards/mathpix-pipeline.json')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ source: `grafana panel "${p.title}"`, expr: t.expr })));
  const alerts = (yamlDocs('infra/prometheus/alerts.yaml')[0]!.groups as Array<{ rules: Array<{ alert: string; expr: string }> }>)
    .flatMap((g) => g.rules)
    .map((r) => ({ source: `alert ${r.alert}`, expr: r.expr }));
  const keda = yamlDocs('infra/k8s/autoscaling/keda/scaledobjects.yaml').flatMap((s) =>
    (s.spec.triggers as Doc[]).map((t) => ({ source: `ScaledObject ${s.metadata.name}`, expr: t.metadata.query as string })),
  );
  const adapterConfig = parseYaml(yamlDocs('infra/k8s/autoscaling/prometheus-adapter/adapter-rules.yaml')[0]!.data['config.yaml'] as string) as Doc;
  const adapter = (adapterConfig.externalRules as Doc[]).flatMap((r) => [
    { source: 'prometheus-adapter seriesQuery', expr: r.seriesQuery as string },
    // The rule's metricsQuery fills <<.Series>> with the series the name matcher selects.
    { source: 'prometheus-adapter metricsQuery', expr: (r.metricsQuery as string).replace('<<.Series>>', String(r.name.matches).replace(/^\^|\$$/g, '')) },
  ]);
  return [...panels, ...alerts, ...keda, ...adapter];
}

/** `mathpix_*` names in a query, as written (histogram series keep their `_bucket` suffix). */
export const metricNames = (expr: string): string[] => [...new Set([...expr.matchAll(/\bmathpix_[a-z0-9_]+/g)].map((m) => m[0]))];

export interface LabelMatcher {
  metric: string;
  label: string;
  op: string;
  value: string;
}

/** The matchers inside `metric{...}` selectors. */
export function selectorMatchers(expr: string): LabelMatcher[] {
  const out: LabelMatcher[] = [];
  for (const sel of expr.matchAll(/\b(mathpix_[a-z0-9_]+)\s*\{([^}]*)\}/g)) {
    for (const m of sel[2]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"([^"]*)"/g)) out.push({ metric: sel[1]!, label: m[1]!, op: m[2]!, value: m[3]! });
  }
  return out;
}

/** Labels named in `by (...)` and `without (...)` clauses. */
export const groupingLabels = (expr: string): string[] =>
  [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim())).filter((l) => /^[a-zA-Z_]\w*$/.test(l));

/** The literal values a matcher accepts, when it names them (`a`, `a|b`); undefined for patterns. */
export function literalValues(m: LabelMatcher): string[] | undefined {
  if (m.op === '=') return [m.value];
  if (m.op === '=~' && /^[a-z0-9_-]+(\|[a-z0-9_-]+)*$/i.test(m.value)) return m.value.split('|');
  return undefined;
}
