// Entry point of a scanning worker: a module worker (`new Worker('./worker_loader.js',
// {type: 'module'})`, web/src/bin/app/pool.rs) that runs the page's own wasm module.
// Why one module for the page and its workers: they share most of their code, so one
// module is much less to download than two; and the page posts its compiled
// `WebAssembly.Module`, so a worker (also one restarted after a crash or a missed deadline)
// fetches and compiles no wasm. The page's first message is
// `{type: 'start', module, glue, warmup}`: this imports the glue (the page's `app-HASH.js`,
// same origin only), instantiates the module, warms the scanner up (unless `warmup` is
// false) and calls worker_main(), which takes over `onmessage` and posts {type: "ready"}.
function fail(message) {
  // The page treats an error before "ready" as "the scan engine could not start".
  self.postMessage({ type: 'panic', message: 'could not load the scanner: ' + message });
}

// The sample models the scanner is warmed up on before the worker says it is ready, and
// how many times each is scanned (scan_worker::worker_warmup says why).
const WARMUP_SAMPLES = ['warmup.h5', 'warmup.keras', 'warmup.json'];
const WARMUP_ROUNDS = 12;

async function warmUp(wasm) {
  try {
    const files = await Promise.all(WARMUP_SAMPLES.map(async (name) => {
      const r = await fetch(new URL(name, self.location.href));
      if (!r.ok) throw new Error(`${name}: HTTP ${r.status}`);
      return r.blob();
    }));
    wasm.worker_warmup(files, WARMUP_SAMPLES, WARMUP_ROUNDS);
  } catch (e) {
    // Only slower: the first files pay what the warm-up would have.
    console.warn('scanner warm-up skipped:', String(e && e.message ? e.message : e));
  }
}

self.onmessage = async (ev) => {
  self.onmessage = null; // only the first message starts the worker
  const { type, module, glue, warmup } = ev.data || {};
  try {
    if (type !== 'start' || !(module instanceof WebAssembly.Module) || typeof glue !== 'string') {
      throw new Error('the page did not send its module');
    }
    const url = new URL(glue, self.location.href);
    if (url.origin !== self.location.origin) throw new Error('glue outside this origin');
    const wasm = await import(url.href);
    await wasm.default({ module_or_path: module });
    if (warmup !== false) await warmUp(wasm);
    wasm.worker_main();
  } catch (e) {
    fail(String(e && e.message ? e.message : e));
  }
};
