// Helpers shared by the pages: API calls, math rendering, image overlays. Plain ES2020, no build.
'use strict';

const mpp = (() => {
  /** fetch() against the API; the key cookie (if any) goes along automatically. */
  async function api(path, init = {}) {
    const res = await fetch(path, { credentials: 'same-origin', ...init });
    const type = res.headers.get('content-type') || '';
    const body = type.includes('json') ? await res.json() : await res.text();
    if (!res.ok) {
      const detail = body && body.detail ? body.detail : `${res.status} ${res.statusText}`;
      const err = new Error(detail);
      err.status = res.status;
      err.problem = body;
      throw err;
    }
    return body;
  }

  function postJson(path, body) {
    return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'text') node.textContent = v;
      else if (k === 'class') node.className = v;
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  const ready = new Promise((resolve) => {
    // MathJax's own CSS (it hides the assistive MathML kept for screen readers) is added once.
    const styled = () => {
      document.head.appendChild(window.MathJax.svgStylesheet());
      resolve();
    };
    const check = () => (window.MathJax && window.MathJax.tex2svgPromise ? window.MathJax.startup.promise.then(styled) : setTimeout(check, 50));
    check();
  });

  /** LaTeX to an SVG element (MathJax in the browser); TeX errors come back as text. */
  async function renderTex(latex, display = false) {
    await ready;
    try {
      const node = await window.MathJax.tex2svgPromise(latex, { display });
      node.setAttribute('data-latex', latex);
      const err = node.querySelector('[data-mjx-error]');
      if (err) return el('span', { class: 'error', text: `TeX error: ${err.getAttribute('data-mjx-error')}` });
      return node;
    } catch (e) {
      return el('span', { class: 'error', text: `TeX error: ${e.message}` });
    }
  }

  const MATH = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)\$/g;

  /** Markdown-style text with $...$ math into a node: prose as text, math rendered. */
  async function renderMathText(text) {
    const out = el('div', { class: 'math-text' });
    let last = 0;
    for (const m of text.matchAll(MATH)) {
      if (m.index > last) out.append(document.createTextNode(text.slice(last, m.index)));
      const display = m[1] !== undefined || m[2] !== undefined;
      out.append(await renderTex((m[1] ?? m[2] ?? m[3] ?? m[4]).trim(), display));
      last = m.index + m[0].length;
    }
    if (last < text.length) out.append(document.createTextNode(text.slice(last)));
    return out;
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';
  function svgEl(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    return node;
  }

  /** The image with regions, diagram elements and formula boxes drawn over it. */
  function overlayFigure({ url, width, height, regions = [], elements = [], formulas = [], caption }) {
    const img = el('img', { src: url, alt: caption || 'the submitted image', width, height });
    const svg = svgEl('svg', { class: 'marks', viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true', preserveAspectRatio: 'none' });
    for (const r of regions) svg.append(svgEl('rect', { class: `r-${r.type}`, x: r.bbox.x, y: r.bbox.y, width: r.bbox.w, height: r.bbox.h }));
    for (const f of formulas) if (f.bbox) svg.append(svgEl('rect', { class: 'formula-box', x: f.bbox.x, y: f.bbox.y, width: f.bbox.w, height: f.bbox.h, 'data-formula': f.index }));
    for (const e of elements) {
      if (e.type === 'point' && e.point) svg.append(svgEl('circle', { class: 'el el-point', cx: e.point.x, cy: e.point.y, r: 4 }));
      else if (e.endpoints) svg.append(svgEl('line', { class: 'el', x1: e.endpoints[0].x, y1: e.endpoints[0].y, x2: e.endpoints[1].x, y2: e.endpoints[1].y }));
      else if (e.center && e.radius) svg.append(svgEl('circle', { class: 'el', cx: e.center.x, cy: e.center.y, r: e.radius }));
      else if (e.type === 'label') svg.append(svgEl('rect', { class: 'el', x: e.bbox.x, y: e.bbox.y, width: e.bbox.w, height: e.bbox.h }));
    }
    const frame = el('div', { class: 'frame' }, img, svg);
    const legend = el('figcaption', { class: 'legend muted' },
      el('span', { text: `${regions.length} regions (blue text, brown formula, green diagram)` }),
      el('span', { text: `${elements.length} diagram elements (red)` }));
    return el('figure', { class: 'overlay' }, frame, legend);
  }

  function pct(x) {
    return typeof x === 'number' ? `${Math.round(x * 1000) / 10}%` : 'n/a';
  }

  function reviewerName() {
    return localStorage.getItem('mpp.reviewer') || '';
  }

  function bindReviewerInput(input) {
    input.value = reviewerName();
    input.addEventListener('change', () => localStorage.setItem('mpp.reviewer', input.value.trim()));
  }

  /**
   * Single-key shortcuts are off until the person turns them on (WCAG 2.1.4 Character Key
   * Shortcuts: a stray key press must not approve a task); the choice is kept in this browser.
   * Returns a function telling whether they are on.
   */
  function bindShortcutToggle(box) {
    box.checked = localStorage.getItem('mpp.shortcuts') === 'on';
    box.addEventListener('change', () => localStorage.setItem('mpp.shortcuts', box.checked ? 'on' : 'off'));
    return () => box.checked;
  }

  /** Leases this browser holds, by task id: the lease id is the proof the API asks for. */
  const leases = {
    get(taskId) {
      try {
        const lease = JSON.parse(localStorage.getItem(`mpp.lease.${taskId}`) || 'null');
        return lease && Date.parse(lease.expires_at) > Date.now() ? lease : null;
      } catch {
        return null;
      }
    },
    set(taskId, lease) { localStorage.setItem(`mpp.lease.${taskId}`, JSON.stringify(lease)); },
    forget(taskId) { localStorage.removeItem(`mpp.lease.${taskId}`); },
  };

  return { api, postJson, el, renderTex, renderMathText, overlayFigure, pct, reviewerName, bindReviewerInput, bindShortcutToggle, leases };
})();
