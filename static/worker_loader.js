// Entry point of the scanning worker (a classic dedicated worker: `new
// Worker('./worker_loader.js')`). Loads the wasm-bindgen glue built `--target
// no-modules` and starts the wasm, whose main() posts {type: "ready"}.
importScripts('./worker.js');
wasm_bindgen({ module_or_path: './worker_bg.wasm' }).catch((e) => {
  // The page treats an error before "ready" as "the scan engine could not start".
  self.postMessage({ type: 'panic', message: 'could not load the scanner: ' + String(e && e.message ? e.message : e) });
});
