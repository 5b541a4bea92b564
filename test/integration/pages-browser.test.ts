/**
 * The pages in a real browser (Debian's headless Chromium driven by playwright-core): submit an
 * image on the dashboard and watch it finish; send one to review, open its task page, edit the
 * LaTeX, approve the correction, and the job completes with it. Screenshots of every page go to
 * test-artifacts/pages/ (gitignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fixturePath } from '../support/fixtures';
import { startStack, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(240_000);

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(__dirname, '../../test-artifacts/pages');
const CORRECTED = '\\frac{x+1}{2}';

let stack: Stack;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startStack();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => console.error('page error:', err.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function submit(image: string, forceReview: boolean): Promise<string> {
  await page.goto(`${stack.baseUrl}/dashboard`);
  await page.setInputFiles('#image', image);
  await page.setChecked('#force-review', forceReview);
  await page.click('#submit-button');
  await page.waitForFunction(() => document.getElementById('job-id')?.textContent !== '');
  return (await page.textContent('#job-id'))!;
}

describe('the pages in a browser', () => {
  it('submits an image on the dashboard, shows the stages live, then the result with overlays and exports', async () => {
    const id = await submit(fixturePath('textbook', '11', 'img_problem.png'), false);
    await page.waitForFunction(() => document.getElementById('job-status')?.textContent === 'completed', undefined, { timeout: 180_000 });
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.getAttribute('#stages li[data-stage="H"]', 'data-status')).toBe('completed');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#result-image img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(await page.locator('#result-image svg.marks > *').count()).toBeGreaterThan(0);
    expect(await page.textContent('#result-text')).toContain('Find each measure');
    const exportLinks = await page.locator('#result-exports a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
    expect(exportLinks).toEqual(expect.arrayContaining([`/v1/jobs/${id}/exports/json`, `/v1/jobs/${id}/exports/latex`]));
    await shot('dashboard-completed');
  });

  it('opens the review page of a waiting job, edits the LaTeX with a live preview, and the approved correction completes the job', async () => {
    const id = await submit(fixturePath('im2latex', '329a44c373.png'), true);
    await page.waitForSelector('#job-note a[href^="/review/"]', { timeout: 180_000 });
    expect(await page.textContent('#job-status')).toBe('awaiting review');
    await shot('dashboard-awaiting-review');

    await page.goto(`${stack.baseUrl}/review`);
    await page.waitForSelector(`a.task-link[href="/review/${id}"]`);
    await shot('review-queue');

    await page.click(`a.task-link[href="/review/${id}"]`);
    await page.waitForSelector('#image figure img');
    await page.fill('#reviewer', 'pat');
    await page.click('#claim');
    await page.waitForFunction(() => document.getElementById('lease')?.textContent?.startsWith('Claimed by pat'));

    const formula = page.locator('textarea[data-index="0"]');
    const editor = (await formula.count()) > 0 ? formula : page.locator('#text-edit');
    const preview = (await formula.count()) > 0 ? '#formula-preview-0' : '#text-preview';
    await editor.fill((await formula.count()) > 0 ? CORRECTED : `Corrected: $${CORRECTED}$`);
    // The live preview renders the edited LaTeX with MathJax.
    await page.waitForSelector(`${preview} mjx-container[data-latex="${CORRECTED.replace(/\\/g, '\\\\')}"] svg`);
    await shot('review-task-edited');

    await editor.press('Control+Enter');
    await page.waitForFunction(() => document.getElementById('message')?.textContent?.includes('Decision recorded'));
    expect(await page.textContent('#task-status')).toBe('modified');
    await shot('review-task-decided');

    const view = await waitForJob(stack.baseUrl, id);
    expect(view.status).toBe('completed');
    const latex = await (await fetch(`${stack.baseUrl}/v1/jobs/${id}/exports/latex`)).text();
    expect(latex).toContain(CORRECTED);
  });

  it('shows the queues read-only at /admin/queues', async () => {
    await page.goto(`${stack.baseUrl}/admin/queues`);
    await page.waitForSelector('text=stage-h-export', { timeout: 30_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading...'), undefined, { timeout: 30_000 });
    const api = (await (await page.request.get(`${stack.baseUrl}/admin/queues/api/queues`)).json()) as { queues: Array<{ name: string; readOnlyMode: boolean }> };
    expect(api.queues.map((q) => q.name)).toHaveLength(8);
    expect(api.queues.every((q) => q.readOnlyMode)).toBe(true);
    await shot('admin-queues');
  });
});
