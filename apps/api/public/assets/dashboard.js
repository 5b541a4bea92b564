// Dashboard: submit an image, follow its stages live (Server-Sent Events), show the result.
'use strict';

(() => {
  const { api, el, renderMathText, overlayFigure, pct } = mpp;
  const STAGES = { A: 'ingestion', B: 'text_parse', C: 'vision_parse', D: 'alignment', E: 'semantic_graph', F: 'regeneration', G: 'human_review', H: 'export' };
  const form = document.getElementById('submit-form');
  const input = document.getElementById('image');
  const zone = document.getElementById('dropzone');
  const status = document.getElementById('submit-status');
  let events;

  for (const type of ['dragenter', 'dragover']) zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add('over'); });
  for (const type of ['dragleave', 'drop']) zone.addEventListener(type, () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      status.textContent = `Selected ${e.dataTransfer.files[0].name}`;
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const file = input.files[0];
    if (!file) { status.textContent = 'Choose an image first.'; input.focus(); return; }
    const options = { export_formats: [...form.querySelectorAll('input[name=fmt]:checked')].map((i) => i.value) };
    if (options.export_formats.length === 0) { status.textContent = 'Choose at least one export.'; form.querySelector('input[name=fmt]').focus(); return; }
    if (document.getElementById('force-review').checked) options.review_threshold = 1;
    const body = new FormData();
    body.append('image', file, file.name);
    body.append('options', JSON.stringify(options));
    document.getElementById('submit-button').disabled = true;
    status.textContent = 'Uploading...';
    try {
      const job = await api('/v1/jobs', { method: 'POST', body });
      status.textContent = `Accepted as job ${job.id}.`;
      follow(job.id);
    } catch (err) {
      status.textContent = '';
      status.append(el('span', { class: 'error', text: `Refused: ${err.message}` }));
    } finally {
      document.getElementById('submit-button').disabled = false;
    }
  });

  function follow(id) {
    if (events) events.close();
    document.getElementById('job').hidden = false;
    document.getElementById('result').hidden = true;
    document.getElementById('job-id').textContent = id;
    document.getElementById('job-note').textContent = '';
    events = new EventSource(`/v1/jobs/${id}/events`);
    events.addEventListener('status', (m) => showJob(JSON.parse(m.data)));
    events.onerror = () => { /* the browser reconnects by itself; a finished job closes the stream */ };
  }

  function showJob(view) {
    document.getElementById('job-status').textContent = view.status.replace('_', ' ');
    document.getElementById('job-progress').textContent = `(${Math.round(view.progress * 100)}% of stages done)`;
    const list = document.getElementById('stages');
    list.replaceChildren(...Object.keys(STAGES).map((s) => {
      const st = view.stages[s];
      const time = st.duration_ms !== null ? ` ${st.duration_ms} ms` : '';
      // A stage whose provider rate limited it waits in its paused queue until `waiting.until`.
      const wait = st.waiting ? ` (rate limited by ${st.waiting.provider || 'a provider'}; resumes ${new Date(st.waiting.until).toLocaleTimeString()})` : '';
      return el('li', { 'data-stage': s, 'data-status': st.status }, el('strong', { text: `${s} ${STAGES[s]}` }), el('span', { class: `st st-${st.status}`, text: `${st.status}${time}${wait}` }));
    }));
    const note = document.getElementById('job-note');
    if (view.status === 'awaiting_review') {
      note.replaceChildren('This job waits for a person. ', el('a', { href: `/review/${view.id}`, text: 'Open its review page' }), '.');
    } else if (view.status === 'failed' || view.status === 'cancelled') {
      note.replaceChildren(el('span', { class: 'error', text: `${view.status}: ${view.error ? `${view.error.code}: ${view.error.message}` : ''}` }));
      events.close();
    } else if (view.status === 'completed') {
      events.close();
      note.textContent = 'Done.';
      showResult(view.id).catch((err) => note.append(el('span', { class: 'error', text: ` Could not load the result: ${err.message}` })));
    }
  }

  async function showResult(id) {
    const r = await api(`/v1/jobs/${id}/result`);
    const section = document.getElementById('result');
    const formulas = (r.text?.formulas || []).map((f, index) => ({ ...f, index }));
    const imageBox = document.getElementById('result-image');
    imageBox.replaceChildren(r.image ? overlayFigure({ url: `/v1/jobs/${id}/image`, width: r.image.width, height: r.image.height, regions: r.vision?.regions, elements: r.vision?.elements, formulas, caption: 'The submitted image with what was detected drawn over it' }) : el('p', { class: 'muted', text: 'No image (ingestion skipped).' }));
    const text = document.getElementById('result-text');
    text.replaceChildren(r.text ? await renderMathText(r.text.text || '(no text found)') : el('p', { class: 'muted', text: 'Text recognition was skipped.' }));
    const facts = r.graph?.facts || [];
    document.getElementById('result-facts').replaceChildren(...(facts.length ? facts.map((f) => el('li', { text: `${f.statement} (${pct(f.confidence)})` })) : [el('li', { class: 'muted', text: 'none' })]));
    document.getElementById('result-roundtrip').textContent = pct(r.regeneration?.roundtrip?.overall);
    document.getElementById('result-confidence').textContent = pct(r.confidence);
    document.getElementById('result-exports').replaceChildren(...r.exports.map((x) => el('li', {}, el('a', { href: x.url, download: x.filename, text: `${x.format} (${x.filename}, ${x.bytes} bytes)` }))));
    section.hidden = false;
  }

  const fromUrl = new URLSearchParams(location.search).get('job');
  if (fromUrl) follow(fromUrl);
})();
