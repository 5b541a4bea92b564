/**
 * The OCR engine's pool of real tesseract.js workers: bounded, grown on demand, shared fairly,
 * leaving the line when a job's signal aborts, and starting again after a worker failed to start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createWorker, OEM } from 'tesseract.js';
import { resolveEnglishLangPath, TesseractEngine, withSignal } from '../../src/local/tesseract-engine';

const page = readFileSync(path.join(__dirname, '../../../../test/fixtures/textbook/11/img_problem.png'));

/** A line of text tesseract reads in single-line mode. */
const line = (text: string) =>
  sharp({ create: { width: 600, height: 80, channels: 3, background: '#ffffff' } })
    .composite([{ input: Buffer.from(`<svg width="600" height="80"><text x="10" y="55" font-size="40" font-family="sans-serif">${text}</text></svg>`) }])
    .withMetadata({ density: 300 })
    .png()
    .toBuffer();

const engines: TesseractEngine[] = [];
const engine = (opts: ConstructorParameters<typeof TesseractEngine>[0]) => {
  const e = new TesseractEngine(opts);
  engines.push(e);
  return e;
};
afterAll(() => Promise.all(engines.map((e) => e.terminate())));

describe('tesseract engine pool', () => {
  it('starts a second worker only when the first is busy, and never more than its bound', async () => {
    const ocr = engine({ workers: 2 });
    await ocr.recognize(await line('one'), { mode: 'line' });
    await ocr.recognize(await line('two'), { mode: 'line' });
    expect(ocr.stats.launched).toBe(1); // one at a time needs one worker

    const images = await Promise.all(['alpha', 'beta', 'gamma', 'delta'].map(line));
    const pages = await Promise.all(images.map((img) => ocr.recognize(img, { mode: 'line' })));
    expect(pages.map((p) => p.text.trim().toLowerCase())).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    expect(ocr.stats.launched).toBe(2);
    expect(ocr.stats.maxWorkers).toBe(2);
  });

  it('keeps each job\'s segmentation mode and whitelist on the worker that runs it', async () => {
    const ocr = engine({ workers: 2 });
    const img = await line('HELLO 42');
    const [digits, letters, auto] = await Promise.all([
      ocr.recognize(img, { mode: 'line', whitelist: '0123456789' }),
      ocr.recognize(img, { mode: 'line', whitelist: 'EHLO ' }),
      ocr.recognize(img, { mode: 'line' }),
    ]);
    expect(digits.text).not.toMatch(/[A-Z]/);
    expect(letters.text).not.toMatch(/[0-9]/);
    expect(auto.text).toContain('42');
  });

  it('takes a waiting job out of the line when its signal aborts: it rejects at once and its OCR never runs', async () => {
    const ocr = engine({ workers: 1 });
    await ocr.recognize(await line('warm'), { mode: 'line' }); // the worker is up
    const ran = ocr.stats.ran;
    const order: string[] = [];
    const running = ocr.recognize(page).then(() => order.push('running job done'));
    const controller = new AbortController();
    const waiting = withSignal(ocr, controller.signal)
      .recognize(await line('never read'), { mode: 'line' })
      .catch((err: unknown) => order.push(`waiting job: ${(err as Error).message}`));
    expect(ocr.stats.waiting).toBe(1);
    controller.abort(new Error('stage B timed out'));
    await Promise.all([running, waiting]);
    expect(order).toEqual(['waiting job: stage B timed out', 'running job done']);
    expect(ocr.stats.ran - ran).toBe(1);
    expect(ocr.stats.waiting).toBe(0);
    // An already aborted signal never gets in.
    await expect(ocr.recognize(await line('late'), { signal: AbortSignal.abort(new Error('cancelled')) })).rejects.toThrow('cancelled');
    expect(ocr.stats.ran - ran).toBe(1);
  });

  it('starts again after a worker failed to start, instead of keeping the failure', async () => {
    let attempts = 0;
    const ocr = engine({
      workers: 1,
      startWorker: async () => {
        if (++attempts === 1) throw new Error('worker start failed');
        return createWorker('eng', OEM.LSTM_ONLY, { langPath: resolveEnglishLangPath(), gzip: true, cacheMethod: 'none', logger: () => undefined, errorHandler: () => undefined });
      },
    });
    await expect(ocr.recognize(await line('first'), { mode: 'line' })).rejects.toThrow('worker start failed');
    const second = await ocr.recognize(await line('second'), { mode: 'line' });
    expect(second.text.trim().toLowerCase()).toBe('second');
    expect(attempts).toBe(2);
  });
});
