// MathJax settings, loaded before the bundle (/assets/vendor/mathjax/tex-svg.js). No inline
// scripts: the pages' Content-Security-Policy allows scripts from this server only.
window.MathJax = {
  tex: { inlineMath: [], displayMath: [], processEscapes: false },
  svg: { fontCache: 'local' },
  startup: { typeset: false },
  options: { enableMenu: false },
};
