/**
 * `TesseractPool`: up to `maxWorkers` tesseract.js workers behind one tesseract.js scheduler,
 * shared by every OCR caller of the process (stage B's prose, stage C's labels).
 *
 * - Workers start on demand: the first at the first job, another only when every started worker
 *   is taken, up to `maxWorkers` (each costs about 55 MB of RSS; docs/providers.md).
 * - At most `maxWorkers` jobs are admitted at once; the others wait in our gate, not in the
 *   scheduler's queue, because the gate honours each job's AbortSignal: a cancelled or timed-out
 *   job leaves the line at once and its OCR never runs. Admitted jobs wait in the scheduler only
 *   until a worker frees or starts.
 * - A worker that failed to start is forgotten, so the next job tries again instead of failing on
 *   the same rejected promise forever.
 *
 * Page segmentation mode and whitelist are per-worker state in tesseract, so each job sets them on
 * the worker that runs it: every worker gets a `mppRecognize` method, and the scheduler, which
 * dispatches a job by the name of a worker method, runs that one.
 */
import { createScheduler, type RecognizeResult, type Scheduler, type Worker, type WorkerParams } from 'tesseract.js';

export type OcrParams = Pick<WorkerParams, 'tessedit_pageseg_mode' | 'tessedit_char_whitelist'>;
export interface OcrJob {
  image: Buffer;
  params: OcrParams;
  rectangle?: { left: number; top: number; width: number; height: number };
}

/** The scheduler's action: the job's parameters, then recognize, on one worker. */
const ACTION = 'mppRecognize';
type PooledWorker = Worker & { [ACTION]: (job: OcrJob) => Promise<RecognizeResult> };
type AddJob = (action: string, ...args: unknown[]) => Promise<RecognizeResult>;

function pooled(worker: Worker): PooledWorker {
  let current = '';
  return Object.assign(worker, {
    [ACTION]: async (job: OcrJob): Promise<RecognizeResult> => {
      const key = JSON.stringify(job.params);
      if (key !== current) {
        await worker.setParameters(job.params);
        current = key;
      }
      return worker.recognize(job.image, job.rectangle ? { rectangle: job.rectangle } : {}, { blocks: true, text: true });
    },
  });
}

/**
 * Admits `capacity` holders at a time; waiters leave the line when their signal aborts. (cockatiel's
 * bulkhead notices an aborted waiter only when its turn comes, and its capacity cannot grow.)
 */
class AbortableGate {
  private inside = 0;
  private readonly line: Array<() => void> = [];

  constructor(public capacity: number) {}

  get active(): number {
    return this.inside;
  }

  get waiting(): number {
    return this.line.length;
  }

  async enter(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.inside < this.capacity) {
      this.inside++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.line.indexOf(admit);
        if (at >= 0) this.line.splice(at, 1);
        reject(signal!.reason);
      };
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        this.inside++;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.line.push(admit);
    });
  }

  leave(): void {
    this.inside--;
    this.line.shift()?.();
  }
}

export interface TesseractPoolOptions {
  maxWorkers: number;
  /** Starts one worker; tesseract-engine.ts passes createWorker with the shipped language data. */
  startWorker: () => Promise<Worker>;
}

export class TesseractPool {
  private scheduler: Scheduler = createScheduler();
  private readonly workers: Worker[] = [];
  /** Workers started or starting. */
  private starting = 0;
  private first?: Promise<void>;
  private readonly gate: AbortableGate;
  private ran = 0;

  constructor(private readonly opts: TesseractPoolOptions) {
    this.gate = new AbortableGate(Math.max(1, opts.maxWorkers));
  }

  /** Workers up, workers up or starting, jobs admitted, jobs waiting for admission, jobs handed to tesseract so far. */
  get stats(): { workers: number; launched: number; active: number; waiting: number; ran: number; maxWorkers: number } {
    return { workers: this.workers.length, launched: this.starting, active: this.gate.active, waiting: this.gate.waiting, ran: this.ran, maxWorkers: this.gate.capacity };
  }

  /** Raises the bound (the process-wide pool serves every caller; the largest ask wins). */
  allowWorkers(n: number): void {
    this.gate.capacity = Math.max(this.gate.capacity, n);
  }

  async run(job: OcrJob, signal?: AbortSignal): Promise<RecognizeResult> {
    await this.gate.enter(signal);
    try {
      await this.ensureWorkers(this.gate.active);
      signal?.throwIfAborted();
      this.ran++;
      return await (this.scheduler.addJob as unknown as AddJob)(ACTION, job);
    } finally {
      this.gate.leave();
    }
  }

  /** The first worker is awaited (the scheduler needs one); more start in the background. */
  private async ensureWorkers(wanted: number): Promise<void> {
    this.first ??= this.addWorker().catch((err: unknown) => {
      this.first = undefined;
      throw err;
    });
    await this.first;
    if (this.starting < Math.min(wanted, this.gate.capacity)) {
      // A job admitted now is taken by whichever worker frees or starts first; a failed start
      // just leaves the pool smaller (the next busy moment tries again).
      this.addWorker().catch(() => undefined);
    }
  }

  private async addWorker(): Promise<void> {
    this.starting++;
    try {
      const worker = await this.opts.startWorker();
      this.workers.push(worker);
      this.scheduler.addWorker(pooled(worker));
    } catch (err) {
      this.starting--;
      throw err;
    }
  }

  async terminate(): Promise<void> {
    const workers = this.workers.splice(0);
    this.scheduler = createScheduler();
    this.starting = 0;
    this.first = undefined;
    await Promise.all(workers.map((w) => w.terminate().catch(() => undefined)));
  }
}
