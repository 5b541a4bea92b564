// A review task: the image with overlays, the recognised LaTeX rendered next to editable boxes
// with live previews, and approve / modify / reject. Claiming is an explicit action (opening a
// task to look at it locks nothing), with release; single-key shortcuts only when turned on.
'use strict';

(() => {
  const { api, postJson, el, renderTex, renderMathText, overlayFigure, pct, bindReviewerInput, bindShortcutToggle, leases } = mpp;
  const id = decodeURIComponent(location.pathname.split('/').pop());
  const reviewer = document.getElementById('reviewer');
  const message = document.getElementById('message');
  bindReviewerInput(reviewer);
  const shortcutsOn = bindShortcutToggle(document.getElementById('shortcuts'));
  let task;
  /** Who holds the task (from the API: owner and expiry, never the id). */
  let holder = null;
  /** The lease this browser holds on the task, with its id, or null. */
  let mine = null;
  let original = { formulas: [], text: '', facts: '[]' };

  const say = (text, isError = false) => message.replaceChildren(isError ? el('span', { class: 'error', text }) : text);

  function debounce(fn, ms) {
    let t;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }

  async function load() {
    task = await api(`/v1/reviews/${encodeURIComponent(id)}`);
    document.getElementById('task-id').textContent = task.job_id.slice(0, 8);
    document.getElementById('task-status').textContent = task.status + (task.escalated ? ', escalated' : '');
    document.getElementById('confidence').textContent = pct(task.confidence);
    document.getElementById('threshold').textContent = pct(task.threshold);
    document.getElementById('reasons').replaceChildren(...task.reasons.map((r) => el('li', { text: `${r.stage} ${r.code}: ${r.message}` })));
    const ctx = task.context;
    document.getElementById('image').replaceChildren(ctx.image ? overlayFigure({ ...ctx.image, regions: ctx.regions, elements: ctx.elements, formulas: ctx.formulas, caption: 'The image under review with detected regions and elements' }) : el('p', { class: 'muted', text: 'No image.' }));
    original = { formulas: ctx.formulas.map((f) => f.latex), text: ctx.text ?? '', facts: JSON.stringify(ctx.facts.map(({ confidence, ...f }) => f), null, 1) };
    await showFormulas(ctx.formulas);
    const text = document.getElementById('text-edit');
    text.value = original.text;
    text.disabled = ctx.text === null;
    const previewText = async () => document.getElementById('text-preview').replaceChildren(await renderMathText(text.value));
    text.addEventListener('input', debounce(previewText, 250));
    await previewText();
    document.getElementById('facts-edit').value = original.facts;
    holder = task.lease;
    const stored = leases.get(id);
    // The stored lease is still ours only if the task's live lease is that one.
    mine = stored && holder && holder.owner === stored.owner && holder.expires_at === stored.expires_at ? stored : null;
    if (!mine) leases.forget(id);
    showLease();
    if (task.status !== 'pending') {
      say(task.decision ? `Already decided: ${task.decision.action} by ${task.decision.reviewer}.` : `This task is ${task.status}${task.closed_reason ? ` (${task.closed_reason})` : ''}.`);
      for (const b of document.querySelectorAll('#approve, #modify, #reject, #claim, #release')) b.disabled = true;
    }
  }

  async function showFormulas(formulas) {
    const box = document.getElementById('formulas');
    if (formulas.length === 0) { box.replaceChildren(el('p', { class: 'muted', text: 'No separate formulas were recognised; correct the math in the text below.' })); return; }
    const parts = [];
    for (const f of formulas) {
      const area = el('textarea', { id: `formula-${f.index}`, rows: 2, 'data-index': f.index, spellcheck: 'false' });
      area.value = f.latex;
      // Focusable: a long formula scrolls sideways, and a keyboard user must be able to scroll it (WCAG 2.1.1).
      const preview = el('div', { class: 'preview', id: `formula-preview-${f.index}`, role: 'group', tabindex: '0', 'aria-label': `Preview of formula ${f.index + 1}` });
      const update = async () => preview.replaceChildren(await renderTex(area.value, f.display));
      area.addEventListener('input', debounce(update, 200));
      await update();
      parts.push(el('div', { class: 'formula-edit' },
        el('label', { for: area.id, text: `Formula ${f.index + 1} (confidence ${pct(f.confidence)})` }),
        el('div', { class: 'grid2' }, area, preview)));
    }
    box.replaceChildren(...parts);
  }

  function showLease() {
    const until = (l) => new Date(l.expires_at).toLocaleTimeString();
    const text = mine ? `Claimed by you (${mine.owner}) until ${until(mine)}.` : holder ? `Claimed by ${holder.owner} until ${until(holder)}: only they can decide it until then.` : 'Not claimed: anyone may claim or decide it.';
    document.getElementById('lease').textContent = text;
    document.getElementById('claim').textContent = mine ? 'Renew claim' : 'Claim this task';
    document.getElementById('release').hidden = !mine;
  }

  function needName() {
    if (reviewer.value.trim()) { localStorage.setItem('mpp.reviewer', reviewer.value.trim()); return reviewer.value.trim(); }
    say('Enter your name first: decisions record who made them.', true);
    reviewer.focus();
    return null;
  }

  async function claim() {
    const name = needName();
    if (!name) return;
    try {
      mine = (await postJson(`/v1/reviews/${encodeURIComponent(id)}/claim`, { reviewer: name, ...(mine ? { lease_id: mine.id } : {}) })).lease;
      holder = { owner: mine.owner, expires_at: mine.expires_at };
      leases.set(id, mine);
      showLease();
      say('');
    } catch (err) {
      say(`Could not claim: ${err.message}`, true);
    }
  }

  async function release() {
    if (!mine) return;
    try {
      await postJson(`/v1/reviews/${encodeURIComponent(id)}/release`, { lease_id: mine.id });
      say('Released: someone else may take the task now.');
    } catch (err) {
      say(`Could not release: ${err.message}`, true);
    }
    leases.forget(id);
    mine = null;
    holder = null;
    showLease();
    document.getElementById('claim').focus();
  }

  function corrections() {
    const out = {};
    const formulas = [...document.querySelectorAll('textarea[data-index]')]
      .map((a) => ({ index: Number(a.dataset.index), latex: a.value.trim() }))
      .filter((f) => f.latex !== original.formulas[f.index]);
    if (formulas.length) out.formulas = formulas;
    const text = document.getElementById('text-edit');
    if (!text.disabled && text.value !== original.text) out.text = text.value;
    const facts = document.getElementById('facts-edit').value;
    if (facts.trim() !== original.facts.trim()) {
      out.facts = JSON.parse(facts); // a SyntaxError is reported by the caller
    }
    return out;
  }

  async function decide(body) {
    const name = needName();
    if (!name) return;
    for (const b of document.querySelectorAll('#approve, #modify, #reject')) b.disabled = true;
    try {
      const done = await postJson(`/v1/reviews/${encodeURIComponent(id)}/decision`, { reviewer: name, ...(mine ? { lease_id: mine.id } : {}), ...body });
      leases.forget(id);
      mine = null;
      holder = null;
      showLease();
      for (const b of document.querySelectorAll('#claim, #release')) b.disabled = true;
      document.getElementById('task-status').textContent = done.status;
      say(`Decision recorded: ${done.status}. The job is now ${done.job ? done.job.status : 'gone'}.`);
      message.append(' ', el('a', { href: `/dashboard?job=${done.job_id}`, text: 'Follow the job' }), ' or ', el('a', { href: '#', id: 'next-link', text: 'go to the next task' }), '.');
      document.getElementById('next-link').addEventListener('click', (e) => { e.preventDefault(); next(); });
    } catch (err) {
      const details = err.problem && err.problem.errors ? ` (${err.problem.errors.map((x) => `${x.field}: ${x.message}`).join('; ')})` : '';
      say(`Not recorded: ${err.message}${details}`, true);
      for (const b of document.querySelectorAll('#approve, #modify, #reject')) b.disabled = false;
    }
  }

  function modify() {
    let c;
    try { c = corrections(); } catch (err) { say(`The facts are not valid JSON: ${err.message}`, true); document.getElementById('facts-edit').focus(); return; }
    if (Object.keys(c).length === 0) { say('Nothing was changed; use Approve to accept the result as it is.', true); return; }
    decide({ action: 'modify', corrections: c });
  }

  function reject() {
    const reason = document.getElementById('reject-reason');
    if (!reason.value.trim()) { say('Give a reason for rejecting.', true); reason.focus(); return; }
    decide({ action: 'reject', reason: reason.value.trim() });
  }

  async function next() {
    const { tasks } = await api('/v1/reviews?status=pending&limit=20');
    const other = tasks.find((t) => t.id !== id && (!t.lease || leases.get(t.id)));
    if (other) location.href = other.links.page;
    else say('No other pending task.');
  }

  document.getElementById('claim').addEventListener('click', claim);
  document.getElementById('release').addEventListener('click', release);
  document.getElementById('approve').addEventListener('click', () => decide({ action: 'approve' }));
  document.getElementById('modify').addEventListener('click', modify);
  document.getElementById('reject').addEventListener('click', reject);
  document.getElementById('reject-reason').addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); reject(); } });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && e.target.matches('textarea')) { e.preventDefault(); modify(); return; }
    if (!shortcutsOn() || e.target.matches('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    const actions = { c: claim, a: () => decide({ action: 'approve' }), m: modify, r: () => document.getElementById('reject-reason').focus(), n: next };
    const action = actions[e.key];
    if (action) { e.preventDefault(); action(); }
  });

  load().catch((err) => say(`Could not load the task: ${err.message}`, true));
})();
