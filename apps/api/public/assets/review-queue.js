// Review queue: pending tasks in priority order (escalated, lower confidence, older first).
'use strict';

(() => {
  const { api, el, pct, bindReviewerInput, bindShortcutToggle } = mpp;
  const select = document.getElementById('status');
  bindReviewerInput(document.getElementById('reviewer'));
  const shortcutsOn = bindShortcutToggle(document.getElementById('shortcuts'));
  select.value = new URLSearchParams(location.search).get('status') || 'pending';

  async function load() {
    const summary = document.getElementById('summary');
    try {
      const { tasks, total } = await api(`/v1/reviews?status=${encodeURIComponent(select.value)}&limit=200`);
      summary.textContent = `${total} ${select.value} task${total === 1 ? '' : 's'}`;
      document.getElementById('tasks').replaceChildren(...tasks.map((t) => el('tr', {},
        el('td', {}, el('a', { href: t.links.page, class: 'task-link', text: t.job_id.slice(0, 8) }), t.escalated ? el('span', { class: 'badge', text: ' escalated' }) : null),
        el('td', { text: pct(t.confidence) }),
        el('td', { text: new Date(t.created_at).toLocaleString() }),
        el('td', { text: t.reasons.slice(0, 3).map((r) => `${r.stage}: ${r.code}`).join(', ') + (t.reasons.length > 3 ? ` (+${t.reasons.length - 3})` : '') }),
        el('td', { text: t.lease ? `${t.lease.owner} until ${new Date(t.lease.expires_at).toLocaleTimeString()}` : t.decision ? `${t.decision.reviewer} (${t.decision.action})` : '' }))));
    } catch (err) {
      summary.replaceChildren(el('span', { class: 'error', text: `Could not load the queue: ${err.message}` }));
    }
  }

  select.addEventListener('change', load);
  document.getElementById('refresh').addEventListener('click', load);
  document.addEventListener('keydown', (e) => {
    if (!shortcutsOn() || e.target.matches('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    const links = [...document.querySelectorAll('a.task-link')];
    const at = links.indexOf(document.activeElement);
    if (e.key === 'j' && links.length) links[Math.min(at + 1, links.length - 1)].focus();
    else if (e.key === 'k' && links.length) links[Math.max(at - 1, 0)].focus();
    else if (e.key === 'r') load();
  });
  load();
})();
