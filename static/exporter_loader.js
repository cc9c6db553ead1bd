// Entry point of the exporter (a classic dedicated worker: `new
// Worker('./exporter_loader.js')`), started by the page on the user's first export only.
// Loads the wasm-bindgen glue built `--target no-modules` and starts the wasm, whose
// main() posts {type: "ready"}.
importScripts('./exporter.js');
wasm_bindgen({ module_or_path: './exporter_bg.wasm' }).catch((e) => {
  // The page drops this worker on any message other than ready/exported.
  self.postMessage({ type: 'panic', message: 'could not load the exporter: ' + String(e && e.message ? e.message : e) });
});
