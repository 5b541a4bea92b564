/**
 * The `mathpix-pipeline` command line: `submit`, `status`, `result`, `reviews`, `health`, over the
 * typed SDK. Exit codes: 0 success, 1 some image failed (or the service is not ready), 2 the
 * command could not run (bad arguments, unreachable or refusing API).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiError, PipelineClient, type PipelineOptionsInput, type ReviewTaskStatus } from '@mpp/client';
import { REVIEW_TASK_STATUSES } from '@mpp/schemas';
import type { ClientEnv } from '@mpp/config';
import { collectImages } from './files';
import { EXTENSIONS, parseFormats } from './formats';
import { createProgress } from './progress';
import { describeError, submitImages, type Outcome } from './submit';
import { table } from './table';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** MATHPIX_PIPELINE_API_URL / MATHPIX_PIPELINE_API_KEY, parsed by @mpp/config; flags win over them. */
  env: ClientEnv;
}

interface GlobalOpts {
  apiUrl: string;
  apiKey?: string;
  json?: boolean;
}

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a whole number >= 1`);
  return n;
};

export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const print = (s: string): void => {
    io.stdout.write(`${s}\n`);
  };
  const program = new Command('mathpix-pipeline')
    .description('Send images of math to a mathpix-pipeline server, wait for them, and write the exports.')
    .version(require('../package.json').version as string)
    .addOption(new Option('--api-url <url>', 'API base URL').default(io.env.apiUrl ?? 'http://localhost:8080'))
    // The key's value never shows in --help: only where it came from.
    .addOption(new Option('--api-key <key>', 'API key (one of the server\'s API_KEYS)').default(io.env.apiKey, io.env.apiKey ? 'from MATHPIX_PIPELINE_API_KEY' : undefined))
    .option('--json', 'print machine-readable JSON on stdout')
    .showHelpAfterError('(run with --help for usage and examples)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .addHelpText(
      'after',
      `
Environment:
  MATHPIX_PIPELINE_API_URL   same as --api-url
  MATHPIX_PIPELINE_API_KEY   same as --api-key

Examples:
  $ mathpix-pipeline health
  $ mathpix-pipeline submit scans/ --wait --format md,json --out results/
  $ mathpix-pipeline status 0b6c1c9e-1f0e-4a53-9d55-1d1f3f0b2a77
  $ mathpix-pipeline result 0b6c1c9e-1f0e-4a53-9d55-1d1f3f0b2a77 --format md
  $ mathpix-pipeline reviews --json

Exit codes: 0 success, 1 an image failed (or the service is not ready), 2 the command could not run.`,
    );

  const client = (cmd: Command) => {
    const g = cmd.optsWithGlobals<GlobalOpts>();
    return { g, client: new PipelineClient({ baseUrl: g.apiUrl, ...(g.apiKey ? { apiKey: g.apiKey } : {}) }) };
  };

  program
    .command('submit')
    .description('send images (files, or folders searched recursively) and optionally wait and write exports')
    .argument('<paths...>', 'image files or folders')
    .option('-w, --wait', 'wait for each job and write its exports')
    .option('-f, --format <list>', 'exports to write, comma separated: json, md, tex, html, svg, docx, yaml', 'json')
    .option('-o, --out <dir>', 'write exports (and the resume state) here instead of next to each image')
    .option('-c, --concurrency <n>', 'images in flight at once', positiveInt('--concurrency'), 4)
    .option('--no-review', 'skip human review (jobs never stop at awaiting_review)')
    .option('--options <json>', 'extra pipeline options as JSON, e.g. \'{"skip_stages":["C"]}\'')
    .option('--timeout <seconds>', 'longest wait for one job with --wait', positiveInt('--timeout'), 600)
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      `
Images already done (same content hash, exports on disk) are skipped; jobs still running from an
earlier run are followed, not sent again. The state lives in .mathpix-pipeline-state.json in the
output folder.

Examples:
  $ mathpix-pipeline submit page1.png page2.jpg
  $ mathpix-pipeline submit scans/ --wait --format md,tex --out results/ --concurrency 8
  $ mathpix-pipeline submit scans/ --wait --no-review --json > summary.json`,
    )
    .action(async (paths: string[], opts: { wait?: boolean; format: string; out?: string; concurrency: number; review: boolean; options?: string; timeout: number; progress: boolean }, cmd: Command) => {
      const { g, client: api } = client(cmd);
      const formats = parseFormats(opts.format);
      let extraOptions: PipelineOptionsInput = {};
      if (opts.options) {
        try {
          extraOptions = JSON.parse(opts.options) as PipelineOptionsInput;
        } catch (err) {
          throw new InvalidArgumentError(`--options is not valid JSON: ${(err as Error).message}`);
        }
      }
      const images = await collectImages(paths);
      if (images.length === 0) throw new InvalidArgumentError(`no images found in ${paths.join(', ')}`);
      const progress = createProgress(io.stderr, opts.progress);
      progress.start(images.length);
      let outcomes: Outcome[];
      try {
        outcomes = await submitImages(api, images, { apiUrl: g.apiUrl, formats, ...(opts.out ? { out: opts.out } : {}), wait: !!opts.wait, concurrency: opts.concurrency, review: opts.review, waitTimeoutMs: opts.timeout * 1000, extraOptions }, progress);
      } finally {
        progress.stop();
      }
      const counts: Record<string, number> = { completed: 0, skipped: 0, submitted: 0, awaiting_review: 0, failed: 0, cancelled: 0 };
      for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
      if (g.json) print(JSON.stringify({ counts, images: outcomes }, null, 2));
      else {
        const cwd = process.cwd();
        print(table(['file', 'status', 'job', 'detail'], outcomes.map((o) => [path.relative(cwd, o.file) || o.file, o.status, o.job_id ?? '-', o.error ?? (o.outputs.length ? o.outputs.map((f) => path.basename(f)).join(', ') : '')])));
        print(`\n${outcomes.length} images: ${Object.entries(counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s.replace('_', ' ')}`).join(', ')}`);
      }
      if (counts.failed! + counts.cancelled! > 0) setExitCode(EXIT.failed);
    });

  program
    .command('status')
    .description('show a job: status, progress, stages, error')
    .argument('<id>', 'job id')
    .option('--wait <seconds>', 'long-poll up to this many seconds for the job to settle', positiveInt('--wait'))
    .addHelpText('after', '\nExample:\n  $ mathpix-pipeline status 0b6c1c9e-1f0e-4a53-9d55-1d1f3f0b2a77 --wait 30')
    .action(async (id: string, opts: { wait?: number }, cmd: Command) => {
      const { g, client: api } = client(cmd);
      const view = await api.get(id, opts.wait ? { wait: opts.wait } : {});
      if (g.json) return print(JSON.stringify(view, null, 2));
      print(`job ${view.id}: ${view.status} (${Math.round(view.progress * 100)}%)${view.confidence !== null ? `, confidence ${view.confidence.toFixed(3)}` : ''}`);
      if (view.error) print(`error: ${view.error.stage ? `stage ${view.error.stage} ` : ''}${view.error.code}: ${view.error.message}`);
      print(table(['stage', 'name', 'status', 'provider', 'ms'], Object.entries(view.stages).map(([s, st]) => [s, st.name, st.status, st.provider ?? '', st.duration_ms === null ? '' : String(st.duration_ms)])));
      if (view.status === 'failed' || view.status === 'cancelled') setExitCode(EXIT.failed);
    });

  program
    .command('result')
    .description('print a completed job\'s result document, or one of its exports')
    .argument('<id>', 'job id')
    .option('-f, --format <format>', 'json (the result document) or an export: md, tex, html, svg, docx, yaml', 'json')
    .option('-o, --output <file>', 'write to a file instead of stdout (needed for docx)')
    .addHelpText('after', '\nExamples:\n  $ mathpix-pipeline result 0b6c1c9e-1f0e-4a53-9d55-1d1f3f0b2a77 --format md\n  $ mathpix-pipeline result 0b6c1c9e-1f0e-4a53-9d55-1d1f3f0b2a77 --format docx -o page.docx')
    .action(async (id: string, opts: { format: string; output?: string }, cmd: Command) => {
      const { client: api } = client(cmd);
      const [format] = parseFormats(opts.format);
      let data: Uint8Array;
      if (format === 'json') data = new TextEncoder().encode(`${JSON.stringify(await api.result(id), null, 2)}\n`);
      else data = (await api.export(id, format!)).data;
      if (opts.output) await writeFile(opts.output, data);
      else if (format === 'docx') throw new InvalidArgumentError(`docx is binary: use --output file.${EXTENSIONS.docx}`);
      else io.stdout.write(data);
    });

  program
    .command('reviews')
    .description('list review tasks (pending by default, most urgent first)')
    .addOption(new Option('--status <status>', 'which tasks (decided: every decided or closed one)').choices([...REVIEW_TASK_STATUSES, 'decided']).default('pending'))
    .option('--limit <n>', 'at most this many', positiveInt('--limit'), 50)
    .addHelpText('after', '\nExample:\n  $ mathpix-pipeline reviews --limit 10')
    .action(async (opts: { status: ReviewTaskStatus | 'decided'; limit: number }, cmd: Command) => {
      const { g, client: api } = client(cmd);
      const tasks = await api.reviews.list({ status: opts.status, limit: opts.limit });
      if (g.json) return print(JSON.stringify(tasks, null, 2));
      if (tasks.length === 0) return print(`no ${opts.status} review tasks`);
      print(table(['task', 'confidence', 'threshold', 'escalated', 'created', 'reasons'], tasks.map((t) => [t.id, t.confidence.toFixed(3), t.threshold.toFixed(3), t.escalated ? 'yes' : '', t.created_at, t.reasons.map((r) => r.code).join(', ')])));
    });

  program
    .command('health')
    .description('check the server: liveness (/health) and readiness (/ready)')
    .addHelpText('after', '\nExample:\n  $ MATHPIX_PIPELINE_API_URL=http://pipeline:8080 mathpix-pipeline health')
    .action(async (_opts: unknown, cmd: Command) => {
      const { g, client: api } = client(cmd);
      const [health, ready] = await Promise.all([api.health(), api.ready()]);
      if (g.json) print(JSON.stringify({ health, ready }, null, 2));
      else {
        print(`${g.apiUrl}: ${health.status}, version ${health.version}; ${ready.status}`);
        print(table(['check', 'state'], Object.entries(ready.checks)));
      }
      if (ready.status !== 'ready') setExitCode(EXIT.failed);
    });

  return program;
}

/** Runs the CLI and resolves with its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = Math.max(code, c)));
  program.exitOverride();
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      // commander has already printed the message and the help hint.
      if (e.code !== 'commander.invalidArgument') return EXIT.usage;
    }
    io.stderr.write(`error: ${err instanceof ApiError || !(err instanceof Error) ? describeError(err) : err.message}\n`);
    return EXIT.usage;
  }
}
