// Entry point of a scanning worker: a module worker (`new Worker('./worker_loader.js',
// {type: 'module'})`, web/src/bin/app/pool.rs) that runs the page's own wasm module.
// Why one module for the page and its workers: they share most of their code, so one
// module is much less to download than two; and the page posts its compiled
// `WebAssembly.Module`, so a worker (also one restarted after a crash or a missed deadline)
// fetches and compiles no wasm. The page's first message is
// `{type: 'start', module, glue}`: this imports the glue (the page's `app-HASH.js`, same
// origin only), instantiates the module and calls worker_main(), which takes over
// `onmessage` and posts {type: "ready"}.
function fail(message) {
  // The page treats an error before "ready" as "the scan engine could not start".
  self.postMessage({ type: 'panic', message: 'could not load the scanner: ' + message });
}

self.onmessage = async (ev) => {
  self.onmessage = null; // only the first message starts the worker
  const { type, module, glue } = ev.data || {};
  try {
    if (type !== 'start' || !(module instanceof WebAssembly.Module) || typeof glue !== 'string') {
      throw new Error('the page did not send its module');
    }
    const url = new URL(glue, self.location.href);
    if (url.origin !== self.location.origin) throw new Error('glue outside this origin');
    const wasm = await import(url.href);
    await wasm.default({ module_or_path: module });
    wasm.worker_main();
  } catch (e) {
    fail(String(e && e.message ? e.message : e));
  }
};
