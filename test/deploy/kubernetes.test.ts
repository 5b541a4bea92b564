/**
 * The Kubernetes manifests against the code: variables the schema defines, ports and paths the
 * apps serve, images the Dockerfile builds, worker groups that cover every stage queue once, and
 * autoscalers that read exactly their group's queues.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseEnv, type Env } from '@mpp/config';
import { stageQueueName } from '@mpp/queue';
import { STAGE_CATALOG, STAGE_IDS } from '@mpp/schemas';
import { byKind, containerEnv, dockerImages, ENV_VARIABLES_LIST, filesUnder, k8s, KNOWN_VARIABLES, read, ROOT, yamlDocs, type Doc } from './deploy-files';

const configMap = byKind(k8s('configmap.yaml'), 'ConfigMap')[0]!;
const secret = byKind(k8s('secret.yaml.example'), 'Secret')[0]!;
const deployments = byKind(k8s('deployment.yaml'), 'Deployment');
const services = byKind(k8s('service.yaml'), 'Service');
const api = deployments.find((d) => d.metadata.name === 'mathpix-pipeline')!;
const workers = deployments.filter((d) => d.metadata.labels.component === 'worker');
const container = (d: Doc) => d.spec.template.spec.containers[0] as Doc;
const envOf = (d: Doc): Env => parseEnv(containerEnv(container(d), configMap.data) as Record<string, string>);
const SECRET_VARIABLES = ['MATHPIX_APP_ID', 'MATHPIX_APP_KEY', 'ANTHROPIC_API_KEY', 'GEMINI_API_KEY', 'API_KEYS', 'WEBHOOK_SECRET'];

describe('infra/k8s', () => {
  it('parses every YAML file (and the .example) without errors', () => {
    const files = [...filesUnder('infra', /\.(ya?ml|yaml\.example)$/), 'docker/docker-compose.yml'];
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expect(() => yamlDocs(f)).not.toThrow();
    for (const f of files.filter((x) => x.startsWith('infra/k8s/'))) {
      for (const doc of yamlDocs(f)) {
        expect(doc).toHaveProperty('apiVersion');
        expect(doc).toHaveProperty('kind');
      }
    }
  });

  it('keeps every non-secret variable in the ConfigMap (generated from .env.example) and credentials in the Secret', () => {
    const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts/k8s-configmap.mjs'), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    const inMap = Object.keys(configMap.data);
    const inSecret = Object.keys(secret.stringData);
    for (const name of [...inMap, ...inSecret]) expect(KNOWN_VARIABLES).toContain(name);
    expect(inSecret.sort()).toEqual([...SECRET_VARIABLES].sort());
    expect(inMap.filter((n) => SECRET_VARIABLES.includes(n))).toEqual([]);
    expect([...inMap, ...inSecret].sort()).toEqual([...ENV_VARIABLES_LIST].sort());
    expect(() => parseEnv(configMap.data)).not.toThrow();
  });

  it('reads its configuration from the ConfigMap and Secret that exist, and sets only known variables', () => {
    for (const d of deployments) {
      const c = container(d);
      expect(c.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]);
      for (const e of c.env ?? []) expect(KNOWN_VARIABLES).toContain(e.name);
      expect(() => envOf(d)).not.toThrow();
    }
    expect(secret.metadata.name).toBe('mathpix-api-credentials');
  });

  it('runs images the Dockerfile builds: the API image for the API, the worker image for workers', () => {
    const images = dockerImages();
    expect(images.get(container(api).image)).toBe('api');
    for (const w of workers) expect(images.get(container(w).image)).toBe('worker');
  });

  it('runs the API with 3 replicas, the guide`s requests and limits, liveness /health and readiness /ready on its port', () => {
    expect(api.spec.replicas).toBe(3);
    const c = container(api);
    expect(c.resources.requests).toMatchObject({ cpu: '250m', memory: '256Mi', 'ephemeral-storage': '1Gi' });
    expect(c.resources.limits).toMatchObject({ cpu: '500m', memory: '512Mi', 'ephemeral-storage': '2Gi' });
    const port = c.ports.find((p: Doc) => p.name === 'http');
    const env = envOf(api);
    expect(port.containerPort).toBe(env.PORT ?? env.SERVER_PORT);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
    expect(envOf(api).PIPELINE_CACHE_DIR.startsWith(c.volumeMounts.find((m: Doc) => m.name === 'cache').mountPath)).toBe(true);
  });

  it('splits the stages between worker groups, each stage served by exactly one group', () => {
    for (const w of workers) {
      const kinds = new Set(envOf(w).WORKER_STAGES.map((s) => STAGE_CATALOG[s].kind));
      expect([...kinds]).toEqual([w.metadata.labels['worker-group']]);
    }
    const groups = workers.map((w) => envOf(w).WORKER_STAGES);
    expect(groups.flat().sort()).toEqual([...STAGE_IDS]);
    expect(envOf(workers.find((w) => w.metadata.labels['worker-group'] === 'io')!).WORKER_STAGES).toEqual(['B', 'C']);
  });

  it('probes workers on WORKER_METRICS_PORT, drains them in preStop, and waits longer than the drain', () => {
    for (const w of workers) {
      const c = container(w);
      const env = envOf(w);
      expect(c.ports).toEqual([{ name: 'metrics', containerPort: env.WORKER_METRICS_PORT, protocol: 'TCP' }]);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'metrics' });
      expect(c.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'metrics' });
      const preStop = (c.lifecycle.preStop.exec.command as string[]).join(' ');
      expect(preStop).toContain(`http://127.0.0.1:${env.WORKER_METRICS_PORT}/drain`);
      expect(preStop).toContain("method: 'POST'");
      expect(w.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(env.WORKER_SHUTDOWN_GRACE_SECONDS + 10);
      // A drain never cuts a running stage short: the grace covers the group's longest stage timeout.
      const longest = Math.max(...env.WORKER_STAGES.map((s) => STAGE_CATALOG[s].timeoutMs / 1000));
      expect(env.WORKER_SHUTDOWN_GRACE_SECONDS).toBeGreaterThanOrEqual(longest);
      expect(w.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    }
  });

  it('routes Services to container ports that exist, and monitors /metrics on both apps without counting the API twice', () => {
    for (const s of services) {
      const pods = deployments.filter((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(pods.length).toBeGreaterThan(0);
      for (const p of s.spec.ports) for (const d of pods) expect(container(d).ports.map((x: Doc) => x.name)).toContain(p.targetPort);
    }
    expect(services.find((s) => s.metadata.name === 'mathpix-pipeline')!.spec.type).toBe('ClusterIP');
    expect(services.some((s) => s.spec.type === 'LoadBalancer')).toBe(true);
    const monitor = byKind(k8s('servicemonitor.yaml'), 'ServiceMonitor')[0]!;
    const monitored = services.filter((s) => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
    expect(monitored.map((s) => s.metadata.name).sort()).toEqual(['mathpix-pipeline', 'mathpix-pipeline-workers']);
    for (const e of monitor.spec.endpoints) {
      expect(e.path).toBe('/metrics');
      expect(monitored.filter((s) => s.spec.ports.some((p: Doc) => p.name === e.port))).toHaveLength(1);
    }
  });

  it('autoscales the API on CPU and memory as the guide shows, and protects every group with a PodDisruptionBudget', () => {
    const hpa = byKind(k8s('hpa.yaml'), 'HorizontalPodAutoscaler')[0]!;
    expect(hpa.spec.scaleTargetRef.name).toBe(api.metadata.name);
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 10 });
    expect(hpa.spec.metrics.map((m: Doc) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    const pdbs = byKind(k8s('pdb.yaml'), 'PodDisruptionBudget');
    for (const d of deployments) {
      const covering = pdbs.filter((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(covering).toHaveLength(1);
    }
  });

  /** Queue names a group's autoscaler reads must be exactly the queues of the stages it serves. */
  const queuesOf = (deploymentName: string) => envOf(deployments.find((d) => d.metadata.name === deploymentName)!).WORKER_STAGES.map(stageQueueName).sort();

  it('scales each worker group with KEDA on waiting + prioritised jobs of its own queues', () => {
    const scaled = byKind(yamlDocs('infra/k8s/autoscaling/keda/scaledobjects.yaml'), 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(workers.map((w) => w.metadata.name).sort());
    for (const s of scaled) {
      const trigger = s.spec.triggers[0];
      expect(trigger.type).toBe('prometheus');
      const query: string = trigger.metadata.query;
      expect(/queue=~"([^"]+)"/.exec(query)![1]!.split('|').sort()).toEqual(queuesOf(s.spec.scaleTargetRef.name));
      expect(query).toContain('state=~"waiting|prioritized"');
      expect(query).toContain('mathpix_queue_size');
      expect(s.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(s.spec.maxReplicaCount).toBeGreaterThan(s.spec.minReplicaCount);
      expect(s.spec.cooldownPeriod).toBeGreaterThan(0);
      expect(Number(trigger.metadata.threshold)).toBeGreaterThan(0);
    }
  });

  it('offers the same scaling through prometheus-adapter: an external-metric rule and an HPA per group', () => {
    const rules = yamlDocs('infra/k8s/autoscaling/prometheus-adapter/adapter-rules.yaml')[0]!;
    const config = parseYaml(rules.data['config.yaml'] as string) as Doc;
    const rule = config.externalRules[0];
    expect(rule.seriesQuery).toContain('mathpix_queue_size');
    expect(rule.metricsQuery).toContain('state=~"waiting|prioritized"');
    const hpas = byKind(yamlDocs('infra/k8s/autoscaling/prometheus-adapter/hpa-workers.yaml'), 'HorizontalPodAutoscaler');
    const keda = byKind(yamlDocs('infra/k8s/autoscaling/keda/scaledobjects.yaml'), 'ScaledObject');
    for (const h of hpas) {
      const m = h.spec.metrics[0].external;
      expect(m.metric.name).toBe(rule.name.as);
      expect([...m.metric.selector.matchExpressions[0].values].sort()).toEqual(queuesOf(h.spec.scaleTargetRef.name));
      const twin = keda.find((k) => k.spec.scaleTargetRef.name === h.spec.scaleTargetRef.name)!;
      expect([h.spec.minReplicas, h.spec.maxReplicas, m.target.averageValue]).toEqual([twin.spec.minReplicaCount, twin.spec.maxReplicaCount, twin.spec.triggers[0].metadata.threshold]);
    }
  });

  it('lists in kustomization.yaml only files that exist', () => {
    const kustomization = yamlDocs('infra/k8s/kustomization.yaml')[0]!;
    for (const r of kustomization.resources as string[]) expect(existsSync(path.join(ROOT, 'infra/k8s', r))).toBe(true);
    expect(read('infra/k8s/kustomization.yaml')).not.toMatch(/secret\.yaml\b(?!\.example)/);
  });
});
