/**
 * The pages in a real browser (Debian's headless Chromium driven by playwright-core): submit an
 * image on the dashboard and watch it finish; send one to review, open its task page (which
 * claims nothing), claim and release it, edit the LaTeX, save the correction, and the job
 * completes with it. Every page is checked with axe-core (WCAG 2.1 A and AA) and for a sane focus
 * order. Screenshots of every page go to test-artifacts/pages/ (gitignored).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { EXPORT_FORMATS } from '@mpp/schemas';
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
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  help: string;
  nodes: Array<{ target: string[] }>;
}

/**
 * axe-core's WCAG 2.1 A/AA rules over the page as it is now (labels, names, alt text, contrast,
 * landmarks...), then the focus order: no positive tabindex, and the skip link comes first.
 */
async function expectAccessible(): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's CSP (script-src 'self') does not block it.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  });
  expect(violations).toEqual([]);
  // With no positive tabindex the focus order is the document order, which starts at the skip link.
  expect(await page.locator('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])').count()).toBe(0);
  const first = await page.evaluate(() => {
    const focusable = document.querySelector<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select, textarea, [tabindex="0"]');
    const target = focusable?.getAttribute('href')?.startsWith('#') ? document.querySelector(focusable.getAttribute('href')!) : null;
    return { skip: focusable?.classList.contains('skip') ?? false, targetExists: target !== null };
  });
  expect(first).toEqual({ skip: true, targetExists: true });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does it: scripts/ensure-test-tools.sh)`);
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

async function submit(image: string, forceReview: boolean, formats?: readonly string[]): Promise<string> {
  await page.goto(`${stack.baseUrl}/dashboard`);
  await page.setInputFiles('#image', image);
  for (const format of formats ?? []) await page.setChecked(`input[name="fmt"][value="${format}"]`, true);
  await page.setChecked('#force-review', forceReview);
  await page.click('#submit-button');
  await page.waitForFunction(() => document.getElementById('job-id')?.textContent !== '');
  return (await page.textContent('#job-id'))!;
}

describe('the pages in a browser', () => {
  it('submits an image on the dashboard, shows the stages live, then the result with overlays and every export asked for', async () => {
    await page.goto(`${stack.baseUrl}/dashboard`);
    const offered = await page.locator('input[name="fmt"]').evaluateAll((boxes) => boxes.map((b) => (b as HTMLInputElement).value));
    expect([...offered].sort()).toEqual([...EXPORT_FORMATS].sort());
    await expectAccessible();
    // textbook/17: every round trip passes; textbook/11 would wait for review (its `m\widehat{CD}` scores just under the round-trip threshold, docs/stages.md).
    const id = await submit(fixturePath('textbook', '17', 'img_problem.png'), false, EXPORT_FORMATS);
    await page.waitForFunction(() => document.getElementById('job-status')?.textContent === 'completed', undefined, { timeout: 180_000 });
    await page.waitForSelector('#result:not([hidden])');
    expect(await page.getAttribute('#stages li[data-stage="H"]', 'data-status')).toBe('completed');
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#result-image img');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    expect(await page.locator('#result-image svg.marks > *').count()).toBeGreaterThan(0);
    expect(await page.textContent('#result-text')).toContain('parallelogram');
    const exportLinks = await page.locator('#result-exports a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
    expect([...exportLinks].sort()).toEqual(EXPORT_FORMATS.map((f) => `/v1/jobs/${id}/exports/${f}`).sort());
    await shot('dashboard-completed');
    await expectAccessible();
  });

  it('opens the review page of a waiting job, edits the LaTeX with a live preview, and the approved correction completes the job', async () => {
    const id = await submit(fixturePath('im2latex', '329a44c373.png'), true);
    await page.waitForSelector('#job-note a[href^="/review/"]', { timeout: 180_000 });
    expect(await page.textContent('#job-status')).toBe('awaiting review');
    await shot('dashboard-awaiting-review');

    await page.goto(`${stack.baseUrl}/review`);
    await page.waitForSelector(`a.task-link[href="/review/${id}"]`);
    await shot('review-queue');
    await expectAccessible();

    await page.click(`a.task-link[href="/review/${id}"]`);
    await page.waitForSelector('#image figure img');
    // Opening the task locks nothing: a reviewer skimming the queue leaves it free.
    await page.waitForFunction(() => document.getElementById('lease')?.textContent?.startsWith('Not claimed'));
    expect((await (await fetch(`${stack.baseUrl}/v1/reviews/${id}`)).json()).lease).toBeNull();
    await shot('review-task-opened');
    await expectAccessible();

    // Single-key shortcuts do nothing until turned on (WCAG 2.1.4), then "c" claims.
    await page.fill('#reviewer', 'pat');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('c');
    expect((await (await fetch(`${stack.baseUrl}/v1/reviews/${id}`)).json()).lease).toBeNull();
    await page.check('#shortcuts');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('c');
    await page.waitForFunction(() => document.getElementById('lease')?.textContent?.startsWith('Claimed by you (pat)'));
    expect((await (await fetch(`${stack.baseUrl}/v1/reviews/${id}`)).json()).lease).toMatchObject({ owner: 'pat' });
    await page.uncheck('#shortcuts');

    // Release gives it back; claim again with the button.
    await page.click('#release');
    await page.waitForFunction(() => document.getElementById('lease')?.textContent?.startsWith('Not claimed'));
    expect((await (await fetch(`${stack.baseUrl}/v1/reviews/${id}`)).json()).lease).toBeNull();
    await page.click('#claim');
    await page.waitForFunction(() => document.getElementById('lease')?.textContent?.startsWith('Claimed by you (pat)'));
    expect(await page.isVisible('#release')).toBe(true);

    const formula = page.locator('textarea[data-index="0"]');
    const editor = (await formula.count()) > 0 ? formula : page.locator('#text-edit');
    const preview = (await formula.count()) > 0 ? '#formula-preview-0' : '#text-preview';
    await editor.fill((await formula.count()) > 0 ? CORRECTED : `Corrected: $${CORRECTED}$`);
    // The live preview renders the edited LaTeX with MathJax.
    await page.waitForSelector(`${preview} mjx-container[data-latex="${CORRECTED.replace(/\\/g, '\\\\')}"] svg`);
    await shot('review-task-edited');
    await expectAccessible();

    await editor.press('Control+Enter');
    await page.waitForFunction(() => document.getElementById('message')?.textContent?.includes('Decision recorded'));
    expect(await page.textContent('#task-status')).toBe('modified');
    await shot('review-task-decided');
    await expectAccessible();

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
