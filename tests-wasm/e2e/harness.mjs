// Shared set-up of the browser end-to-end tests (tests-wasm/e2e/*.mjs) and of the page
// benchmark (bench/page.mjs): paths from the environment, the `ok   - ` / `FAIL - ` lines
// and the `N passed, N failed` summary that scripts/test-browser.sh and CI read, the
// missing-prerequisite exit, the static server for dist/, Chromium with the flags every
// test uses, waiting for the page to be ready, and dropping files on the drop zone.
// Each test process has its own counts: this module keeps them, one set per process.
//
// Env: KS_DIST (default <repo>/dist), KS_SHARED (default <repo>/../shared),
//      CHROMIUM (default /usr/bin/chromium), KS_SCREENSHOTS (default /tmp),
//      KS_ARTIFACTS (default <repo>/target-web/e2e-artifacts, gitignored).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createStaticServer } from '../../scripts/static-server.mjs';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST = path.resolve(process.env.KS_DIST || path.join(repo, 'dist'));
export const SHARED = path.resolve(process.env.KS_SHARED || path.join(repo, '..', 'shared'));
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = process.env.KS_SCREENSHOTS || '/tmp';
export const ARTIFACTS = path.resolve(process.env.KS_ARTIFACTS || path.join(repo, 'target-web', 'e2e-artifacts'));
/// Extensions the page's folder input scans (web/src/bin/app.rs MODEL_EXTENSIONS); others are skipped.
export const MODEL_EXT = ['.keras', '.h5', '.hdf5', '.he5', '.json', '.pb', '.zip', '.model', '.weights'];

// ---- results --------------------------------------------------------------------------
let passed = 0;
let failed = 0;

/// Runs one named check: `ok   - name`, or `FAIL - name` with the error's stack indented.
export async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   - ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL - ${name}\n       ${String((e && e.stack) || e).split('\n').join('\n       ')}`);
  }
}
export function assert(cond, msg) { if (!cond) throw new Error(msg); }
/// Equality by JSON form, showing both values on failure.
export function eq(got, want, what) {
  assert(JSON.stringify(got) === JSON.stringify(want), `${what}:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
}

/// Prints `before` (if any), `N passed, N failed`, then `after` (if any), and exits:
/// 0 only if something passed and nothing failed.
export function finish({ before, after } = {}) {
  if (before) console.log(before);
  console.log(`${passed} passed, ${failed} failed`);
  if (after) console.log(after);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// ---- prerequisites --------------------------------------------------------------------
/// The line for a missing dist/ build, or none.
export const missingDist = () => (fs.existsSync(path.join(DIST, 'index.html')) ? [] : [`${DIST}/index.html (run \`trunk build --release\` first)`]);
/// The line for a missing Chromium, or none.
export const missingChromium = () => (fs.existsSync(CHROMIUM) ? [] : [`${CHROMIUM} (apt-get install chromium; or set CHROMIUM)`]);

/// With anything missing: prints `missing:` and the list, counts one failure and finishes
/// (a test that cannot run must not pass). `finishOpts` as for finish().
export function exitIfMissing(missing, finishOpts) {
  if (!missing.length) return;
  console.log('missing:\n  ' + missing.join('\n  '));
  failed++;
  finish(finishOpts);
}

// ---- server and browser ---------------------------------------------------------------
/// A static server (scripts/static-server.mjs, the one `serve.sh --static` runs) for dist/
/// plus `extra` paths, on a free 127.0.0.1 port: `{ server, origin }`.
export async function serveDist(extra) {
  const server = createStaticServer(DIST, extra);
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

/// Headless Chromium at $CHROMIUM, with no background traffic of its own (so a test can
/// check that the page alone makes every request).
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/// Opens `url` and waits for the scan engine (`#engine-status.ok`) and, with `policy`,
/// for the policy: 'ok' = loaded without error, 'settled' = no longer loading.
export async function gotoReady(page, url, { policy } = {}) {
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForSelector('#engine-status.ok', { timeout: 30000 });
  if (policy === 'ok') await page.waitForSelector('#policy-status[data-state="ok"]', { timeout: 30000 });
  else if (policy === 'settled') await page.waitForSelector('#policy-status:not([data-state="loading"])', { timeout: 30000 });
}

/// A fresh context (1200x900, en-US, plus `contextOptions`) with one page at `url`, ready
/// as for gotoReady: `{ context, page, errors }`, `errors` collecting the page's uncaught errors.
export async function openPage(browser, url, contextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US', ...contextOptions });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await gotoReady(page, url);
  return { context, page, errors };
}

/// Clicks Türkçe and waits until the page shows Turkish: it switches once the Turkish
/// pack (tr.json) is loaded, fetched on the first switch (web/src/bin/app/lang_pack.rs).
export async function toTurkish(page) {
  await page.click('#lang-tr');
  await page.waitForFunction(() => document.documentElement.lang === 'tr', null, { timeout: 30000 });
}

/// Records the page's main-thread long tasks from its start in `window.__ksLongTasks` (ms).
export function recordLongTasks(page) {
  return page.addInitScript(() => {
    window.__ksLongTasks = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__ksLongTasks.push(e.duration); })
      .observe({ type: 'longtask', buffered: true });
  });
}

// ---- files into the page --------------------------------------------------------------
/// Dispatches dragenter, dragover and drop of a DataTransfer handle on the drop zone.
export async function dropTransfer(page, dt) {
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('#dropzone', type, { dataTransfer: dt });
}

/// Drops files from disk on the drop zone, as a user's drag and drop does (the basename is
/// the name; `type` is the File's MIME type, '' for none).
export async function dropFiles(page, files, { type = 'application/octet-stream' } = {}) {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));
  const dt = await page.evaluateHandle(({ items, type }) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name, { type }));
    }
    return dt;
  }, { items: payload, type });
  await dropTransfer(page, dt);
}

/// Picks `dir` with the folder input and waits until the page's clock says `files`
/// verdicts are in (`#results[data-scan-ms]`, `data-scan-files`).
export async function pickFolder(page, dir, files, timeout) {
  await page.setInputFiles('#folder-input', dir);
  await page.waitForFunction((n) => {
    const r = document.querySelector('#results');
    return r.dataset.scanMs !== undefined && Number(r.dataset.scanFiles) >= n;
  }, files, { timeout });
}

/// Writes `n` small Keras JSON configs into `folder` (model-0000.json ...): every 20th
/// (i % 20 == 7) names `os.system` (malicious), every 10th (i % 10 == 3) a custom
/// class (suspicious), the rest one Dense layer (clean).
export function writeGeneratedConfigs(folder, n) {
  const layer = (l) => JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers: [l] } });
  const clean = layer({ class_name: 'Dense', config: { name: 'd', units: 1 } });
  const custom = layer({ module: 'my_pkg.layers', class_name: 'Custom', config: { name: 'x' }, registered_name: 'my_pkg>Custom' });
  const bad = layer({ module: 'os', class_name: 'system', config: { name: 'x' }, registered_name: 'os>system' });
  for (let i = 0; i < n; i++) {
    fs.writeFileSync(path.join(folder, `model-${String(i).padStart(4, '0')}.json`), i % 20 === 7 ? bad : i % 10 === 3 ? custom : clean);
  }
}
