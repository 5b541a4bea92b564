/**
 * The dashboard, the alert rules and the autoscalers read metrics that a running API or worker
 * really exports: the in-process stack (the API and a worker serving every stage) is scraped over
 * HTTP, and every metric name, selected label value and grouping label the deployment files use
 * must be in what it serves. The rules also parse and cover what operators watch.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Registry } from '@mpp/telemetry';
import { parseExposition, promtoolAvailable, type Family } from '../support/exposition';
import { startStack, type Stack } from '../support/stack';
import { byKind, k8s, read, ROOT, yamlDocs } from './deploy-files';
import { deploymentQueries, groupingLabels, literalValues, metricNames, selectorMatchers } from './metric-queries';

jest.setTimeout(60_000);

const dashboard = JSON.parse(read('infra/grafana/dashboards/mathpix-pipeline.json')) as { uid: string; panels: Array<{ type: string; title: string; targets?: Array<{ expr: string }> }> };
const alertGroups = yamlDocs('infra/prometheus/alerts.yaml')[0]!.groups as Array<{ rules: Array<{ alert: string; expr: string; labels: { severity: string }; annotations: { summary: string } }> }>;
const alerts = alertGroups.flatMap((g) => g.rules);

/** Labels Prometheus attaches to every target (Compose's scrape config, the Operator's ServiceMonitor). */
const TARGET_LABELS = new Set(['job', 'instance', 'component', 'namespace', 'service', 'pod', 'container', 'endpoint']);

interface Scraped {
  /** Families by name, from each app's /metrics. */
  api: Map<string, Family>;
  worker: Map<string, Family>;
  /** Label names each metric family declares (histograms add `le`), from both registries. */
  labels: Map<string, Set<string>>;
}

let stack: Stack;
let scraped: Scraped;

beforeAll(async () => {
  stack = await startStack({ worker: { healthServer: true } });
  const workerUrl = `http://127.0.0.1:${(stack.workers[0]!.server!.address() as AddressInfo).port}`;
  const scrape = async (url: string) => parseExposition(await (await fetch(`${url}/metrics`)).text());
  const labels = new Map<string, Set<string>>();
  for (const registry of [stack.api.deps.metrics.registry, stack.workers[0]!.metrics.registry]) addLabelNames(registry, labels);
  scraped = { api: await scrape(stack.baseUrl), worker: await scrape(workerUrl), labels };
});
afterAll(async () => stack?.close());

function addLabelNames(registry: Registry, into: Map<string, Set<string>>): void {
  for (const metric of registry.getMetricsAsArray() as unknown as Array<{ name: string; labelNames?: string[]; constructor: { name: string } }>) {
    const set = into.get(metric.name) ?? new Set<string>();
    for (const l of metric.labelNames ?? []) set.add(l);
    if (metric.constructor.name === 'Histogram') set.add('le');
    into.set(metric.name, set);
  }
}

/** The family a referenced series belongs to (`x_bucket` of histogram `x` is `x`), from either app. */
function familyOf(series: string): { name: string; families: Family[] } | undefined {
  const candidates = [series, series.replace(/_(bucket|sum|count)$/, '')];
  for (const name of candidates) {
    const families = [scraped.api.get(name), scraped.worker.get(name)].filter((f): f is Family => f !== undefined);
    const suffixed = name !== series;
    if (families.length && (!suffixed || families.some((f) => f.type === 'histogram' || f.type === 'summary'))) return { name, families };
  }
  return undefined;
}

describe('Grafana dashboard, Prometheus alerts and autoscalers', () => {
  const queries = deploymentQueries();

  it('reads queries from every panel, rule, ScaledObject and the adapter rule', () => {
    const sources = new Set(queries.map((q) => q.source.split(' ')[0]));
    expect([...sources].sort()).toEqual(['ScaledObject', 'alert', 'grafana', 'prometheus-adapter']);
    expect(queries.length).toBeGreaterThan(20);
  });

  it('reference only metric names that the running API or worker serves on /metrics', () => {
    const missing = queries.flatMap((q) => metricNames(q.expr).filter((n) => !familyOf(n)).map((n) => `${q.source}: ${n}`));
    expect(missing).toEqual([]);
  });

  it('select and group only by labels those metrics carry (or Prometheus attaches to the target)', () => {
    const problems: string[] = [];
    for (const q of queries) {
      const families = metricNames(q.expr).map((n) => familyOf(n)?.name).filter((n): n is string => n !== undefined);
      const known = new Set([...TARGET_LABELS, ...families.flatMap((f) => [...(scraped.labels.get(f) ?? [])])]);
      for (const m of selectorMatchers(q.expr)) {
        const own = scraped.labels.get(familyOf(m.metric)?.name ?? '') ?? new Set();
        if (!own.has(m.label) && !TARGET_LABELS.has(m.label)) problems.push(`${q.source}: ${m.metric} has no label ${m.label}`);
      }
      for (const l of groupingLabels(q.expr)) if (!known.has(l)) problems.push(`${q.source}: no metric of the query has label ${l}`);
    }
    expect(problems).toEqual([]);
  });

  it('select label values that the apps report, wherever they already report that label', () => {
    const problems: string[] = [];
    for (const q of queries) {
      for (const m of selectorMatchers(q.expr)) {
        const values = literalValues(m);
        const family = familyOf(m.metric);
        const seen = new Set(family?.families.flatMap((f) => f.samples.map((s) => s.labels[m.label]).filter((v): v is string => v !== undefined)));
        if (!values || seen.size === 0) continue;
        for (const v of values) if (!seen.has(v)) problems.push(`${q.source}: ${m.metric}{${m.label}="${v}"} is never reported (seen: ${[...seen].join(', ')})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('exports the review backlog and the fleet-wide job totals from the API only, so a sum over targets counts them once', () => {
    for (const name of ['mathpix_review_backlog_jobs', 'mathpix_review_backlog_oldest_seconds', 'mathpix_images_processed_total']) {
      expect(scraped.api.get(name)?.samples.length).toBeGreaterThan(0);
      expect(scraped.worker.has(name)).toBe(false);
    }
    expect(new Set(scraped.api.get('mathpix_images_processed_total')!.samples.map((s) => s.labels.status))).toEqual(new Set(['success', 'failure']));
  });

  it('keeps every label under its own name when Prometheus attaches target labels (Compose and the ServiceMonitor)', () => {
    const ours = new Set([...scraped.labels.values()].flatMap((s) => [...s]));
    // Compose's scrape config attaches job, instance and component: none may collide.
    expect(['job', 'instance', 'component'].filter((l) => ours.has(l))).toEqual([]);
    // The Operator also attaches namespace, service, pod, container, endpoint; `service` is the
    // deployment guide's label of mathpix_api_calls_total. Each collision is restored.
    const colliding = ['job', 'instance', 'namespace', 'service', 'pod', 'container', 'endpoint'].filter((l) => ours.has(l));
    expect(colliding).toContain('service');
    const monitor = byKind(k8s('servicemonitor.yaml'), 'ServiceMonitor')[0]!;
    for (const endpoint of monitor.spec.endpoints) {
      for (const label of colliding) {
        expect(endpoint.metricRelabelings).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ sourceLabels: [`exported_${label}`], regex: '(.+)', targetLabel: label, action: 'replace' }),
            { regex: `exported_${label}`, action: 'labeldrop' },
          ]),
        );
      }
    }
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
