/**
 * The submit progress bar (cli-progress) on stderr: done/total, rate in images per second, ETA and
 * running counts. Off a terminal (CI logs, pipes) it prints one line per finished image instead
 * of redrawing.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number): void;
  tick(status: string): void;
  stop(): void;
}

export function createProgress(stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled) return { start: () => undefined, tick: () => undefined, stop: () => undefined };
  const tty = stream.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'images {bar} {value}/{total} | {rate} img/s | ETA {eta_formatted} | completed {completed} failed {failed} review {review} skipped {skipped}',
      noTTYOutput: !tty,
      // Off a terminal, lines come from tick(); the timer only repeats the last line now and then.
      notTTYSchedule: 60_000,
      etaBuffer: 20,
      hideCursor: tty,
      gracefulExit: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const counts = { completed: 0, failed: 0, review: 0, skipped: 0 };
  let started = 0;
  let value = 0;
  const payload = () => ({ ...counts, rate: value > 0 ? (value / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(2) : '0.00' });
  return {
    start(total) {
      started = Date.now();
      bar.start(total, 0, payload());
    },
    tick(status) {
      if (status === 'completed' || status === 'submitted') counts.completed++;
      else if (status === 'awaiting_review') counts.review++;
      else if (status === 'skipped') counts.skipped++;
      else counts.failed++;
      value++;
      bar.update(value, payload());
      if (!tty) (bar as unknown as { render(): void }).render();
    },
    stop() {
      bar.stop();
    },
  };
}
