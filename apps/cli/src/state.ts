/**
 * The resume file (`.mathpix-pipeline-state.json`) kept in each output folder: per image content
 * hash, the job it became and what came of it. A second `submit` skips images whose exports are
 * all written, and follows (instead of resubmitting) jobs that were still running.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const STATE_FILE = '.mathpix-pipeline-state.json';

export interface ImageState {
  file: string;
  job_id: string;
  status: string;
  /** Export formats the job was asked for: a job that was not asked for one cannot serve it. */
  formats: string[];
  /** Export files written (absolute paths). */
  outputs: string[];
  updated_at: string;
  error?: string;
}

interface StateDocument {
  version: 1;
  api_url: string;
  images: Record<string, ImageState>;
}

export class StateFile {
  private constructor(
    readonly file: string,
    private doc: StateDocument,
  ) {}

  static async open(dir: string, apiUrl: string): Promise<StateFile> {
    const file = path.join(dir, STATE_FILE);
    let doc: StateDocument = { version: 1, api_url: apiUrl, images: {} };
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as StateDocument;
      // Job ids of another server mean nothing here: start over for that one.
      if (parsed?.version === 1 && parsed.api_url === apiUrl && parsed.images) doc = parsed;
    } catch {
      // absent or unreadable: a fresh state
    }
    return new StateFile(file, doc);
  }

  get(sha256: string): ImageState | undefined {
    return this.doc.images[sha256];
  }

  /** Done when the job completed and every export it should have written is still on disk. */
  isDone(sha256: string, expected: string[]): boolean {
    const s = this.get(sha256);
    return !!s && s.status === 'completed' && expected.every((f) => s.outputs.includes(f) && existsSync(f));
  }

  async set(sha256: string, entry: Omit<ImageState, 'updated_at'>): Promise<void> {
    this.doc.images[sha256] = { ...entry, updated_at: new Date().toISOString() };
    await this.save();
  }

  /** Written through a temporary file so an interrupted run never leaves half a state file. */
  private saving: Promise<void> = Promise.resolve();
  private save(): Promise<void> {
    this.saving = this.saving.then(async () => {
      await mkdir(path.dirname(this.file), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(this.doc, null, 2)}\n`);
      await rename(tmp, this.file);
    });
    return this.saving;
  }
}
