/**
 * Dashboard and alert rules read metrics that the code really exports (names from a registry
 * built by @mpp/telemetry), parse, and cover what operators watch.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createMetrics } from '@mpp/telemetry';
import { promtoolAvailable } from '../support/exposition';
import { read, ROOT, yamlDocs } from './deploy-files';

const dashboard = JSON.parse(read('infra/grafana/dashboards/mathpix-pipeline.json')) as { uid: string; panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
const alertGroups = yamlDocs('infra/prometheus/alerts.yaml')[0]!.groups as Array<{ rules: Array<{ alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }> }>;
const alerts = alertGroups.flatMap((g) => g.rules);

async function exportedFamilies(): Promise<Set<string>> {
  const metrics = createMetrics({ schemaVersion: '2.0.0', collectReviewBacklog: async () => ({ jobs: 0, oldestAgeSeconds: 0 }) });
  const names = new Set<string>();
  for (const m of await metrics.registry.getMetricsAsJSON()) names.add(m.name);
  return names;
}

/** `mathpix_*` names used in an expression, without the series suffixes of histograms. */
const referenced = (expr: string) => [...expr.matchAll(/\bmathpix_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, ''));

describe('Grafana dashboard and Prometheus alerts', () => {
  it('reference only metrics the code exports', async () => {
    const families = await exportedFamilies();
    const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...alerts.map((a) => a.expr)];
    expect(exprs.length).toBeGreaterThan(15);
    for (const expr of exprs) for (const name of referenced(expr)) expect(families).toContain(name);
  });

  it('has dashboard panels for throughput, stage latency, queue depth, API calls and errors, breaker state and review backlog', () => {
    const uses = (metric: string) => dashboard.panels.some((p) => (p.targets ?? []).some((t) => t.expr.includes(metric)));
    for (const metric of ['mathpix_images_processed_total', 'mathpix_processing_seconds_bucket', 'mathpix_queue_size', 'mathpix_api_calls_total', 'mathpix_circuit_breaker_state', 'mathpix_review_backlog_jobs', 'mathpix_review_backlog_oldest_seconds']) {
      expect(uses(metric)).toBe(true);
    }
    expect(dashboard.uid).toBe('mathpix-pipeline');
    expect(new Set(dashboard.panels.map((p) => (p as { id?: number }).id)).size).toBe(dashboard.panels.length);
  });

  it('alerts on an open breaker, a growing queue, failure rates and old review backlog', () => {
    const byName = new Map(alerts.map((a) => [a.alert, a]));
    expect(byName.get('MathpixCircuitBreakerOpen')?.expr).toContain('mathpix_circuit_breaker_state');
    expect(byName.get('MathpixQueueGrowing')?.expr).toContain('deriv(');
    expect(byName.get('MathpixStageFailureRate')?.expr).toContain('status="failed"');
    expect(byName.get('MathpixReviewBacklogOld')?.expr).toContain('mathpix_review_backlog_oldest_seconds');
    for (const a of alerts) {
      expect(['warning', 'critical']).toContain(a.labels.severity);
      expect(a.annotations.summary).toBeTruthy();
    }
  });

  (promtoolAvailable() ? it : it.skip)('passes promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', path.join(ROOT, 'infra/prometheus/alerts.yaml')], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
