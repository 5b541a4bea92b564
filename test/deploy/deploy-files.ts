/** Reads the deployment files (Dockerfile, Compose, Kubernetes, Prometheus, Grafana) for the deploy tests. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ENV_VARIABLES, parseEnv } from '@mpp/config';

export const ROOT = path.resolve(__dirname, '../..');
export const read = (rel: string) => readFileSync(path.join(ROOT, rel), 'utf8');

export type Doc = Record<string, any>;

/** Every document of a YAML file; throws on any syntax error or warning. */
export function yamlDocs(rel: string): Doc[] {
  const docs = parseAllDocuments(read(rel), { merge: true, strict: true, prettyErrors: true });
  return docs.map((d) => {
    if (d.errors.length > 0 || d.warnings.length > 0) throw new Error(`${rel}: ${[...d.errors, ...d.warnings].map((e) => e.message).join('; ')}`);
    return d.toJS() as Doc;
  }).filter((d) => d !== null);
}

export const compose = (): Doc => parse(read('docker/docker-compose.yml'), { merge: true }) as Doc;

export function filesUnder(rel: string, pattern: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(path.join(ROOT, dir))) {
      const child = path.join(dir, name);
      if (statSync(path.join(ROOT, child)).isDirectory()) walk(child);
      else if (pattern.test(name)) out.push(child);
    }
  };
  walk(rel);
  return out.sort();
}

export const k8s = (file: string): Doc[] => yamlDocs(`infra/k8s/${file}`);
export const byKind = (docs: Doc[], kind: string) => docs.filter((d) => d.kind === kind);

/** Image name -> Dockerfile target, from the build commands the Dockerfile documents in its header. */
export function dockerImages(): Map<string, string> {
  const images = new Map<string, string>();
  for (const line of read('docker/Dockerfile').split('\n')) {
    const m = /^#\s+docker build .*-t ([a-z0-9./-]+:[a-z0-9.-]+)/.exec(line);
    if (!m) continue;
    const target = /--target ([a-z-]+)/.exec(line)?.[1] ?? dockerDefaultTarget();
    images.set(m[1]!, target);
  }
  return images;
}

export const dockerStages = (): string[] => [...read('docker/Dockerfile').matchAll(/^FROM \S+ AS ([a-z-]+)$/gm)].map((m) => m[1]!);
export const dockerDefaultTarget = (): string => dockerStages().at(-1)!;

/** The lines of one Dockerfile stage (from its FROM to the next). */
export function dockerStage(name: string): string[] {
  const lines = read('docker/Dockerfile').split('\n');
  const start = lines.findIndex((l) => new RegExp(`^FROM \\S+ AS ${name}$`).test(l));
  if (start < 0) throw new Error(`no stage ${name}`);
  const end = lines.findIndex((l, i) => i > start && l.startsWith('FROM '));
  return lines.slice(start, end < 0 ? undefined : end);
}

export const ENV_VARIABLES_LIST: readonly string[] = ENV_VARIABLES;
export const KNOWN_VARIABLES = new Set<string>(ENV_VARIABLES);
export const DEFAULTS = parseEnv({});

/** Environment of a container: ConfigMap, then Secret, then its own `env` (the order Kubernetes applies). */
export function containerEnv(container: Doc, configMap: Record<string, string>): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...configMap };
  for (const e of container.env ?? []) env[e.name] = e.value;
  return env;
}
