/**
 * `mathpix-pipeline submit`: sends every image with bounded concurrency, optionally waits for each
 * job, writes the asked exports, and keeps the resume state. Returns one outcome per image; the
 * caller prints them and picks the exit code.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiError, AuthenticationError, NetworkError, NotFoundError, type ExportFormat, type JobView, type PipelineClient, type PipelineOptionsInput } from '@mpp/client';
import { readImage, type InputImage } from './files';
import { EXTENSIONS } from './formats';
import type { Progress } from './progress';
import { StateFile } from './state';

export type OutcomeStatus = 'completed' | 'failed' | 'cancelled' | 'awaiting_review' | 'submitted' | 'skipped';

export interface Outcome {
  file: string;
  status: OutcomeStatus;
  job_id: string | null;
  outputs: string[];
  error?: string;
}

export interface SubmitSettings {
  apiUrl: string;
  formats: ExportFormat[];
  out?: string;
  wait: boolean;
  concurrency: number;
  review: boolean;
  waitTimeoutMs: number;
  extraOptions: PipelineOptionsInput;
}

export async function submitImages(client: PipelineClient, images: InputImage[], settings: SubmitSettings, progress: Progress): Promise<Outcome[]> {
  const states = new Map<string, Promise<StateFile>>();
  const stateFor = (dir: string) => {
    let s = states.get(dir);
    if (!s) states.set(dir, (s = StateFile.open(dir, settings.apiUrl)));
    return s;
  };
  const outcomes: Outcome[] = new Array(images.length);
  let next = 0;
  let fatal: { error: unknown } | undefined;
  const worker = async () => {
    for (let i = next++; i < images.length && !fatal; i = next++) {
      const image = images[i]!;
      try {
        outcomes[i] = await processImage(client, image, settings, stateFor);
      } catch (err) {
        // No point sending the rest: each would fail the same way. Images in flight finish.
        if (stopsTheRun(err)) return void (fatal ??= { error: err });
        outcomes[i] = { file: image.file, status: 'failed', job_id: null, outputs: [], error: describeError(err) };
      }
      progress.tick(outcomes[i]!.status);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(settings.concurrency, images.length)) }, worker));
  if (fatal) throw fatal.error;
  return outcomes;
}

/**
 * Failures of the run rather than of an image: the API cannot be reached (after the client's
 * retries) or refuses the key. They end the command with exit code 2; the state file keeps what
 * was done, so the next run resumes.
 */
function stopsTheRun(err: unknown): boolean {
  return err instanceof NetworkError || err instanceof AuthenticationError;
}

async function processImage(client: PipelineClient, image: InputImage, settings: SubmitSettings, stateFor: (dir: string) => Promise<StateFile>): Promise<Outcome> {
  const { bytes, sha256 } = await readImage(image.file);
  const outDir = settings.out ? path.join(path.resolve(settings.out), path.dirname(image.relative)) : path.dirname(image.file);
  const state = await stateFor(settings.out ? path.resolve(settings.out) : path.dirname(image.file));
  const stem = path.basename(image.file, path.extname(image.file));
  const expected = settings.formats.map((f) => path.join(outDir, `${stem}.${EXTENSIONS[f]}`));
  if (state.isDone(sha256, expected)) return { file: image.file, status: 'skipped', job_id: state.get(sha256)!.job_id, outputs: expected };

  // A job from an earlier run that did not fail, asked for these exports, is followed rather than sent again.
  let view: JobView | undefined;
  let formats: string[] = settings.formats;
  const previous = state.get(sha256);
  // (State files written before formats were recorded have none: their images are sent again.)
  if (previous && !['failed', 'cancelled'].includes(previous.status) && settings.formats.every((f) => previous.formats?.includes(f))) {
    view = await client.get(previous.job_id).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (view) formats = previous.formats;
  }
  if (!view) {
    const accepted = await client.submit(bytes, {
      filename: path.basename(image.file),
      options: { ...settings.extraOptions, export_formats: settings.formats, enable_human_review: settings.review },
      metadata: { filename: image.relative, sha256 },
    });
    view = { id: accepted.id, status: accepted.status } as JobView;
  }
  await state.set(sha256, { file: image.file, job_id: view.id, status: view.status, formats, outputs: [] });
  if (!settings.wait) return { file: image.file, status: view.status === 'completed' ? 'completed' : 'submitted', job_id: view.id, outputs: [] };

  view = await client.waitFor(view.id, { timeoutMs: settings.waitTimeoutMs });
  if (view.status !== 'completed') {
    const error = view.error ? `${view.error.stage ? `stage ${view.error.stage}: ` : ''}${view.error.code}: ${view.error.message}` : undefined;
    await state.set(sha256, { file: image.file, job_id: view.id, status: view.status, formats, outputs: [], ...(error ? { error } : {}) });
    return { file: image.file, status: view.status as OutcomeStatus, job_id: view.id, outputs: [], ...(error ? { error } : {}) };
  }
  await mkdir(outDir, { recursive: true });
  for (const [n, format] of settings.formats.entries()) {
    const file = await client.export(view.id, format);
    await writeFile(expected[n]!, file.data);
  }
  await state.set(sha256, { file: image.file, job_id: view.id, status: 'completed', formats, outputs: expected });
  return { file: image.file, status: 'completed', job_id: view.id, outputs: expected };
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return `${err.status} ${err.code}: ${err.problem.detail ?? err.problem.title}`;
  return err instanceof Error ? err.message : String(err);
}
