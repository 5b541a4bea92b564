/**
 * The Dockerfile and the Compose file, read as text (no Docker engine here): multi-stage pnpm
 * build from the lockfile, non-root slim runtimes with health checks, and a Compose stack whose
 * variables, ports, images and worker groups are the ones the code really reads and serves.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from '@mpp/config';
import { STAGE_CATALOG, STAGE_IDS } from '@mpp/schemas';
import { compose, DEFAULTS, dockerDefaultTarget, dockerImages, dockerStage, dockerStages, KNOWN_VARIABLES, read, ROOT, yamlDocs } from './deploy-files';

describe('docker/Dockerfile', () => {
  const text = read('docker/Dockerfile');

  it('takes NODE_VERSION as a build argument for every Node stage', () => {
    const firstFrom = text.indexOf('\nFROM ');
    expect(text.slice(0, firstFrom)).toMatch(/^ARG NODE_VERSION=\d+$/m);
    const froms = [...text.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    for (const image of froms.filter((f) => f.startsWith('node:'))) expect(image).toMatch(/^node:\$\{NODE_VERSION\}-/);
  });

  it('installs with the pnpm version of package.json, from the lockfile, then deploys each app with production dependencies', () => {
    const pkg = JSON.parse(read('package.json')) as { packageManager: string };
    expect(pkg.packageManager).toMatch(/^pnpm@\d+\.\d+\.\d+$/);
    expect(text).toMatch(/corepack enable && corepack install/);
    expect(text).toMatch(/pnpm fetch --frozen-lockfile/);
    expect(text).toMatch(/pnpm install --frozen-lockfile --offline/);
    for (const app of ['api', 'worker']) expect(text).toContain(`pnpm --filter @mpp/${app} deploy --prod`);
    // the workspace filters name real packages
    for (const app of ['api', 'worker']) expect(JSON.parse(read(`apps/${app}/package.json`)).name).toBe(`@mpp/${app}`);
  });

  it('checks at build time that tesseract language data and MathJax are inside the worker', () => {
    expect(text).toContain('@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz');
    expect(read('packages/providers/src/local/tesseract-engine.ts')).toContain("'@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz'");
    expect(text).toContain('mathjax-full/js/output/svg.js');
  });

  it('installs fonts in the worker image: MathJax leaves characters outside its fonts as <text> that sharp draws with them', () => {
    const install = dockerStage('worker').join('\n').match(/apt-get install[^&]*/)?.[0] ?? '';
    expect(install.split(/\s+/)).toEqual(expect.arrayContaining(['fontconfig-config', 'fonts-dejavu-core']));
    // The built renderer of stage F, rasterised by sharp in a process that sees only the fonts given.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mpp-fonts-'));
    const inkWith = (fontDirs: string[]) => {
      const conf = path.join(dir, `fonts-${fontDirs.length}.conf`);
      writeFileSync(conf, `<?xml version="1.0"?><fontconfig>${fontDirs.map((d) => `<dir>${d}</dir>`).join('')}<cachedir>${dir}/cache</cachedir></fontconfig>`);
      const script = `
        const m = require(${JSON.stringify(path.join(ROOT, 'packages/stages/dist/regeneration/mathjax.js'))});
        const sharp = require(require.resolve('sharp', { paths: [${JSON.stringify(path.join(ROOT, 'packages/stages'))}] }));
        m.texToSvg('\\\\text{é}').then(async ({ svg }) => {
          if (!/<text[^>]*font-family="serif"/.test(svg)) throw new Error('MathJax drew é itself: ' + svg);
          const { data } = await sharp(Buffer.from(m.withPixelSize(svg, 60, 60))).flatten({ background: '#fff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
          console.log(data.filter((v) => v < 128).length);
        });`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, FONTCONFIG_FILE: conf } });
      if (r.status !== 0) throw new Error(r.stderr);
      return Number(r.stdout.trim());
    };
    try {
      expect(inkWith([])).toBe(0);
      // Where fonts-dejavu-core puts its faces (the image's fonts); skipped on a machine without them.
      if (existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf')) expect(inkWith(['/usr/share/fonts/truetype/dejavu'])).toBeGreaterThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['api', DEFAULTS.SERVER_PORT],
    ['worker', DEFAULTS.WORKER_METRICS_PORT],
  ])('runs the %s target as a non-root user with a HEALTHCHECK on /health of its port', (target, port) => {
    const stage = dockerStage(target as string).join('\n');
    expect(stage).toMatch(/^USER node$/m);
    expect(stage).toMatch(/^HEALTHCHECK /m);
    expect(stage).toContain(`/health`);
    expect(stage).toMatch(new RegExp(`^EXPOSE ${port}$`, 'm'));
    expect(stage).toMatch(/^CMD \["node", "dist\/main\.js"\]$/m);
    const pkg = JSON.parse(read(`apps/${target}/package.json`)) as { files: string[] };
    expect(pkg.files).toContain('dist');
    expect(existsSync(path.join(ROOT, `apps/${target}/src/main.ts`))).toBe(true);
    // Variables the image sets are ones the code reads.
    for (const m of stage.matchAll(/^\s*(?:ENV\s+)?([A-Z][A-Z0-9_]+)=/gm)) {
      if (m[1] !== 'NODE_ENV') expect(KNOWN_VARIABLES).toContain(m[1]);
    }
  });

  it('builds the API by default, so the guide`s `docker build` + `docker run -p 8080:8080` serve the API', () => {
    expect(dockerDefaultTarget()).toBe('api');
    expect(Object.fromEntries(dockerImages())).toEqual({ 'mathpix-pipeline:latest': 'api', 'mathpix-pipeline-worker:latest': 'worker' });
    expect(dockerStages()).toEqual(expect.arrayContaining(['toolchain', 'fetch', 'build', 'runtime', 'worker', 'api']));
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignore = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.env', '.git']) expect(ignore).toContain(entry);
    expect(ignore).toContain('!.env.example');
  });
});

describe('docker/docker-compose.yml', () => {
  const file = compose();
  const services = file.services as Record<string, any>;
  const appServices = Object.entries(services).filter(([, s]) => s.build?.dockerfile === 'docker/Dockerfile');
  /** The environment each app container sees: .env.example (as ../.env), then `environment:`. */
  const envOf = (service: any) => {
    const dotenv = Object.fromEntries(read('.env.example').split('\n').filter((l) => /^[A-Z]/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return parseEnv({ ...dotenv, ...(service.environment ?? {}) });
  };

  it('parses, and builds its app images from docker/Dockerfile with the targets that name them', () => {
    expect(yamlDocs('docker/docker-compose.yml')).toHaveLength(1);
    expect(appServices.map(([n]) => n).sort()).toEqual(['api', 'worker-cpu', 'worker-io']);
    const images = dockerImages();
    for (const [, s] of appServices) {
      expect(path.resolve(ROOT, 'docker', s.build.context)).toBe(ROOT);
      expect(images.get(s.image)).toBe(s.build.target);
      expect(s.env_file).toBe('../.env');
    }
  });

  it('sets only variables the config schema defines, with values it accepts', () => {
    for (const [, s] of appServices) {
      for (const name of Object.keys(s.environment ?? {})) expect(KNOWN_VARIABLES).toContain(name);
      expect(() => envOf(s)).not.toThrow();
    }
  });

  it('publishes the API on 8080 (the port it listens on) and scrapes workers on WORKER_METRICS_PORT', () => {
    const api = envOf(services.api);
    expect(services.api.ports).toEqual([`8080:${api.PORT ?? api.SERVER_PORT}`]);
    const prom = yamlDocs('infra/prometheus/prometheus.yml')[0]!;
    const apiJob = prom.scrape_configs.find((j: any) => j.job_name === 'mathpix-pipeline');
    expect(apiJob.static_configs[0].targets).toEqual([`api:${api.SERVER_PORT}`]);
    const workerJob = prom.scrape_configs.find((j: any) => j.job_name === 'mathpix-pipeline-workers');
    for (const name of ['worker-io', 'worker-cpu']) {
      const env = envOf(services[name]);
      expect(services[name].expose).toEqual([String(env.WORKER_METRICS_PORT)]);
      const sd = workerJob.dns_sd_configs.find((c: any) => c.names.includes(name));
      expect(sd.port).toBe(env.WORKER_METRICS_PORT);
    }
    for (const job of prom.scrape_configs) expect(job.metrics_path).toBe('/metrics');
    expect(services.prometheus.volumes).toEqual(expect.arrayContaining(['../infra/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro', '../infra/prometheus/alerts.yaml:/etc/prometheus/alerts.yaml:ro']));
    expect(prom.rule_files).toEqual(['/etc/prometheus/alerts.yaml']);
  });

  it('splits the stages between worker-io (B,C, high concurrency) and worker-cpu (the rest), each served once', () => {
    const io = envOf(services['worker-io']);
    const cpu = envOf(services['worker-cpu']);
    expect(io.WORKER_STAGES).toEqual(['B', 'C']);
    expect([...io.WORKER_STAGES, ...cpu.WORKER_STAGES].sort()).toEqual([...STAGE_IDS]);
    expect(io.PIPELINE_WORKERS).toBeGreaterThan(cpu.PIPELINE_WORKERS);
  });

  it('lets workers finish their longest stage on shutdown, and waits longer than that', () => {
    for (const name of ['worker-io', 'worker-cpu']) {
      const grace = Number(/^(\d+)s$/.exec(services[name].stop_grace_period)?.[1]);
      expect(grace).toBeGreaterThanOrEqual(envOf(services[name]).WORKER_SHUTDOWN_GRACE_SECONDS + 10);
      const env = envOf(services[name]);
      expect(env.WORKER_SHUTDOWN_GRACE_SECONDS).toBeGreaterThanOrEqual(Math.max(...env.WORKER_STAGES.map((s) => STAGE_CATALOG[s].timeoutMs / 1000)));
    }
  });

  it('runs Redis 7 with AOF and maxmemory-policy noeviction, and the apps wait for it', () => {
    expect(services.redis.image).toMatch(/^redis:7/);
    const cmd = (services.redis.command as string[]).join(' ');
    expect(cmd).toContain('--appendonly yes');
    expect(cmd).toContain('--maxmemory-policy noeviction');
    for (const [, s] of appServices) {
      expect(s.depends_on.redis.condition).toBe('service_healthy');
      expect(envOf(s).REDIS_URL).toBe('redis://redis:6379');
    }
  });

  it('mounts the Grafana provisioning and dashboard that exist in infra/grafana', () => {
    for (const v of services.grafana.volumes as string[]) expect(existsSync(path.resolve(ROOT, 'docker', v.split(':')[0]!))).toBe(true);
    expect(services.grafana.profiles).toEqual(['grafana']);
  });
});
