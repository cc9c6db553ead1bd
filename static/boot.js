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
    // One wasm module for the page and its scanning workers: the page instantiates it here
    // and starts the workers itself (web/src/bin/app/pool.rs), posting each the compiled
    // module and this glue's absolute URL (static/worker_loader.js imports it).
    const glue = new URL(tag.dataset.js, document.baseURI).href;
    const app = await import(glue);
    await app.default({ module_or_path: tag.dataset.wasm });
    app.app_main(glue);
  } catch (e) {
    fatal(String(e && e.message ? e.message : e));
    throw e;
  }
}
