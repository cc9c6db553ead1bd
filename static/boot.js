// Starts the page's WebAssembly. A file of its own (not an inline script) so the
// Content-Security-Policy can forbid inline scripts; Trunk writes the hashed file names
// of the app into this tag's data attributes (Trunk.toml, pattern_script).
const tag = document.getElementById('ks-boot');

function fatal(message) {
  const box = document.getElementById('fatal');
  if (box) {
    box.textContent = 'Keras Sentinel could not start: ' + message;
    box.hidden = false;
  }
  const status = document.getElementById('engine-status');
  if (status) status.hidden = true;
}

if (typeof WebAssembly !== 'object') {
  fatal('this browser does not support WebAssembly.');
} else if (typeof Worker !== 'function') {
  fatal('this browser does not support Web Workers.');
} else {
  try {
    const app = await import(tag.dataset.js);
    await app.default({ module_or_path: tag.dataset.wasm });
  } catch (e) {
    fatal(String(e && e.message ? e.message : e));
    throw e;
  }
}
