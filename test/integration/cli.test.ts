/**
 * The `mathpix-pipeline` binary end to end: the built CLI as a child process against an API and a
 * worker running in this process (real Redis, HTTP over loopback), on a temporary folder of
 * fixture images. Progress goes to stderr, exports land next to the images or under `--out`, a
 * second run skips what is done, and the exit codes tell scripts what happened.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { JobView, ResultDocument } from '@mpp/schemas';
import { fixturePath, readFixture } from '../support/fixtures';
import { startStack, type Stack } from '../support/stack';

jest.setTimeout(120_000);

const CLI_MAIN = path.resolve(__dirname, '../../apps/cli/dist/main.js');
// Ingestion and export only: the CLI is under test here, not the recognisers.
const QUICK = JSON.stringify({ skip_stages: ['B', 'C', 'D', 'E', 'F', 'G'] });
const STATE_FILE = '.mathpix-pipeline-state.json';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built binary without blocking this process's event loop (the stack answers it). */
function cli(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve) => {
    const env = { PATH: process.env.PATH ?? '', ...opts.env };
    execFile(process.execPath, [CLI_MAIN, ...args], { cwd: opts.cwd, env, timeout: 90_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A loopback port nothing listens on (taken, then given back). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('mathpix-pipeline CLI against a running stack', () => {
  let stack: Stack;
  let dir: string;
  let env: Record<string, string>;
  let jobId: string;

  beforeAll(async () => {
    if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run "pnpm build" first (the test script does)`);
    stack = await startStack();
    env = { MATHPIX_PIPELINE_API_URL: stack.baseUrl };
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpp-cli-'));
    await mkdir(path.join(dir, 'scans', 'sub'), { recursive: true });
    await mkdir(path.join(dir, 'broken'));
    await cp(fixturePath('im2latex', '329a44c373.png'), path.join(dir, 'scans', 'first.png'));
    await cp(fixturePath('im2latex', '6331d9e7fd.png'), path.join(dir, 'scans', 'sub', 'second.png'));
    await writeFile(path.join(dir, 'scans', 'notes.txt'), 'not an image: never sent');
    // A PNG cut short: the API refuses it at the door, so this one image fails.
    await writeFile(path.join(dir, 'broken', 'cut.png'), readFixture('im2latex', '5abbb9b19f.png').subarray(0, 200));
  });

  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends a folder with progress on stderr, writes exports next to each image and exits 1 when one failed', async () => {
    const run = await cli(['submit', 'scans', 'broken/cut.png', '--wait', '--format', 'json,md', '--options', QUICK], { cwd: dir, env });
    expect(run.code).toBe(1);
    // Off a terminal the bar prints a line per finished image, with its rate and ETA.
    expect(run.stderr).toMatch(/images .* 3\/3 \| [\d.]+ img\/s \| ETA/);
    expect(run.stdout).toMatch(/scans\/first\.png\s+completed/);
    expect(run.stdout).toMatch(/broken\/cut\.png\s+failed\s+-\s+422 image-validation-failed/);
    expect(run.stdout).toContain('3 images: 2 completed, 1 failed');
    for (const file of ['scans/first.json', 'scans/first.md', 'scans/sub/second.json', 'scans/sub/second.md']) {
      expect([file, existsSync(path.join(dir, file))]).toEqual([file, true]);
    }
    const result = ResultDocument.parse(JSON.parse(await readFile(path.join(dir, 'scans', 'first.json'), 'utf8')));
    expect(result.image?.width).toBeGreaterThan(0);
    jobId = result.id;
    // The resume state sits in each image's folder, keyed by content hash.
    const state = JSON.parse(await readFile(path.join(dir, 'scans', STATE_FILE), 'utf8')) as { images: Record<string, { job_id: string; status: string }> };
    expect(Object.values(state.images)).toEqual([expect.objectContaining({ job_id: jobId, status: 'completed' })]);
  });

  it('skips images already done on a second run and reports it as JSON', async () => {
    const run = await cli(['submit', 'scans', 'broken/cut.png', '--wait', '--format', 'json,md', '--options', QUICK, '--json', '--no-progress'], { cwd: dir, env });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout) as { counts: Record<string, number>; images: Array<{ file: string; status: string; job_id: string | null }> };
    expect(summary.counts).toMatchObject({ skipped: 2, failed: 1, completed: 0 });
    expect(summary.images.find((i) => i.file.endsWith('first.png'))).toMatchObject({ status: 'skipped', job_id: jobId });
  });

  it('sends an image again when an export its job was not asked for is wanted', async () => {
    const run = await cli(['submit', 'scans/first.png', '--wait', '--format', 'html', '--options', QUICK, '--json'], { cwd: dir, env });
    expect(run.code).toBe(0);
    const { images } = JSON.parse(run.stdout) as { images: Array<{ status: string; job_id: string }> };
    expect(images).toEqual([expect.objectContaining({ status: 'completed' })]);
    expect(images[0]!.job_id).not.toBe(jobId);
    expect(await readFile(path.join(dir, 'scans', 'first.html'), 'utf8')).toMatch(/<html/i);
  });

  it('follows a job sent by an earlier run without --wait instead of sending it again', async () => {
    await mkdir(path.join(dir, 'later'));
    await cp(fixturePath('im2latex', '73b51f198b.png'), path.join(dir, 'later', 'third.png'));
    const sent = await cli(['submit', 'later', '--options', QUICK, '--json'], { cwd: dir, env });
    expect(sent.code).toBe(0);
    const first = (JSON.parse(sent.stdout) as { images: Array<{ status: string; job_id: string }> }).images[0]!;
    expect(first.status).toBe('submitted');
    const waited = await cli(['submit', 'later', '--wait', '--options', QUICK, '--json'], { cwd: dir, env });
    expect(waited.code).toBe(0);
    expect((JSON.parse(waited.stdout) as { images: unknown[] }).images).toEqual([expect.objectContaining({ status: 'completed', job_id: first.job_id })]);
    expect(existsSync(path.join(dir, 'later', 'third.json'))).toBe(true);
  });

  it('writes into --out DIR, mirroring the folder, and exits 0 when every image completed', async () => {
    const run = await cli(['submit', 'scans', '--wait', '--out', 'results', '--format', 'tex', '--options', QUICK, '--json'], { cwd: dir, env });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { counts: Record<string, number> };
    // A new output folder has its own state: nothing there was done yet.
    expect(summary.counts).toMatchObject({ completed: 2, skipped: 0, failed: 0 });
    expect(await readFile(path.join(dir, 'results', 'first.tex'), 'utf8')).toContain('\\begin{document}');
    expect(existsSync(path.join(dir, 'results', 'sub', 'second.tex'))).toBe(true);
    expect(existsSync(path.join(dir, 'results', STATE_FILE))).toBe(true);
    expect(existsSync(path.join(dir, 'scans', 'first.tex'))).toBe(false);
  });

  it('shows a job with status, prints an export with result --format md, lists reviews and checks health', async () => {
    const status = await cli(['status', jobId], { cwd: dir, env });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`job ${jobId}: completed (100%)`);
    expect(status.stdout).toMatch(/A\s+ingestion\s+completed/);
    const statusJson = await cli(['status', jobId, '--json'], { cwd: dir, env });
    expect(JobView.parse(JSON.parse(statusJson.stdout)).id).toBe(jobId);

    const md = await cli(['result', jobId, '--format', 'md'], { cwd: dir, env });
    expect(md.code).toBe(0);
    expect(md.stdout).toBe(await readFile(path.join(dir, 'scans', 'first.md'), 'utf8'));
    const doc = await cli(['result', jobId], { cwd: dir, env });
    expect(ResultDocument.parse(JSON.parse(doc.stdout)).id).toBe(jobId);

    expect((await cli(['reviews'], { cwd: dir, env })).stdout.trim()).toBe('no pending review tasks');
    // A job below its review threshold stops at awaiting_review: not a failure, and listed for people.
    await mkdir(path.join(dir, 'doubtful'));
    await cp(fixturePath('im2latex', '5abbb9b19f.png'), path.join(dir, 'doubtful', 'fourth.png'));
    const doubtful = await cli(['submit', 'doubtful', '--wait', '--options', JSON.stringify({ skip_stages: ['C', 'D', 'E', 'F'], review_threshold: 1 })], { cwd: dir, env });
    expect(doubtful.code).toBe(0);
    expect(doubtful.stdout).toContain('1 images: 1 awaiting review');
    const reviewId = /fourth\.png\s+awaiting_review\s+(\S+)/.exec(doubtful.stdout)?.[1];
    const reviews = await cli(['reviews'], { cwd: dir, env });
    expect(reviews.code).toBe(0);
    expect(reviews.stdout).toMatch(new RegExp(`^${reviewId}\\s+0\\.\\d+\\s+1\\.000`, 'm'));
    expect(JSON.parse((await cli(['reviews', '--json'], { cwd: dir, env })).stdout)).toEqual([expect.objectContaining({ id: reviewId, status: 'pending' })]);

    const health = await cli(['health'], { cwd: dir, env });
    expect(health.code).toBe(0);
    expect(health.stdout).toContain(`${stack.baseUrl}: healthy`);
    expect(health.stdout).toMatch(/redis\s+connected/);
    expect(JSON.parse((await cli(['health', '--json'], { cwd: dir, env })).stdout)).toMatchObject({ health: { status: 'healthy' }, ready: { status: 'ready' } });
  });

  it('answers a job that is not there with exit 2 and the problem', async () => {
    const run = await cli(['status', '00000000-0000-4000-8000-000000000000'], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error: 404 job-not-found');
  });

  it('shows help with examples, everywhere', async () => {
    const top = await cli(['--help'], { cwd: dir });
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('Examples:');
    expect(top.stdout).toContain('MATHPIX_PIPELINE_API_URL');
    for (const command of ['submit', 'status', 'result', 'reviews', 'health']) {
      const help = await cli([command, '--help'], { cwd: dir });
      expect([command, help.code, /Examples?:\n {2}\$ (\S+=\S+ )?mathpix-pipeline /.test(help.stdout)]).toEqual([command, 0, true]);
    }
  });

  it('exits 2 on usage errors, a bad environment and an unreachable API', async () => {
    const nobody = `http://127.0.0.1:${await closedPort()}`;
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['submit'], env, /missing required argument 'paths'/],
      [['submit', 'scans', '--format', 'pdf'], env, /unknown format "pdf"/],
      [['submit', 'nowhere'], env, /no such file or folder: nowhere/],
      [['frobnicate'], env, /unknown command 'frobnicate'/],
      [['health'], { MATHPIX_PIPELINE_API_URL: 'ftp://example' }, /MATHPIX_PIPELINE_API_URL/],
      [['health'], { MATHPIX_PIPELINE_API_URL: nobody }, new RegExp(`error: GET ${nobody}/(health|ready) failed: fetch failed \\(ECONNREFUSED\\)`)],
      [['submit', 'scans/first.png', '--out', 'nowhere-out'], { MATHPIX_PIPELINE_API_URL: nobody }, new RegExp(`error: POST ${nobody}/v1/jobs failed: .*ECONNREFUSED`)],
    ];
    for (const [args, caseEnv, message] of cases) {
      const run = await cli(args, { cwd: dir, env: caseEnv });
      expect([args.join(' '), run.code]).toEqual([args.join(' '), 2]);
      expect(run.stderr).toMatch(message);
    }
  });
});

describe('mathpix-pipeline CLI against a stack with API_KEYS', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    // No worker: the jobs only need to exist for status to be asked.
    stack = await startStack({ env: { API_KEYS: 'key-one,key-two' }, worker: false });
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpp-cli-keys-'));
    await cp(fixturePath('im2latex', '329a44c373.png'), path.join(dir, 'page.png'));
  });

  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('sends the key from MATHPIX_PIPELINE_API_KEY or --api-key, and exits 2 without one', async () => {
    const url = { MATHPIX_PIPELINE_API_URL: stack.baseUrl };
    const refused = await cli(['submit', 'page.png'], { cwd: dir, env: url });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error: 401 unauthorized');

    const fromEnv = await cli(['submit', 'page.png', '--json'], { cwd: dir, env: { ...url, MATHPIX_PIPELINE_API_KEY: 'key-two' } });
    expect(fromEnv.code).toBe(0);
    const { images } = JSON.parse(fromEnv.stdout) as { images: Array<{ status: string; job_id: string }> };
    expect(images).toEqual([expect.objectContaining({ status: 'submitted', job_id: expect.any(String) })]);

    const id = images[0]!.job_id;
    const fromFlag = await cli(['--api-key', 'key-one', 'status', id, '--json'], { cwd: dir, env: url });
    expect(fromFlag.code).toBe(0);
    expect(JSON.parse(fromFlag.stdout)).toMatchObject({ id, status: 'queued' });
    // The flag wins over the environment.
    const wrongEnv = await cli(['status', id, '--api-key', 'key-one'], { cwd: dir, env: { ...url, MATHPIX_PIPELINE_API_KEY: 'wrong' } });
    expect(wrongEnv.code).toBe(0);
    // The key's value never shows in help.
    const help = await cli(['--help'], { cwd: dir, env: { ...url, MATHPIX_PIPELINE_API_KEY: 'key-two' } });
    expect(help.stdout).not.toContain('key-two');
    expect(help.stdout).toContain('from MATHPIX_PIPELINE_API_KEY');
  });
});
