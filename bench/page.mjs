// Benchmark of the page (dist/) in headless Chromium: time from files added to the last
// verdict (the page's own clock: `#results[data-scan-ms]`, from the folder input's change
// to the last verdict rendered in the table), for the wild corpus picked as a folder and
// for 1,000 generated small config files, with 1 worker and with the pool's default size
// (navigator.hardwareConcurrency, capped at 4; URL knob ?ks-workers=N), each after the
// page's warm-up, and the wild folder once more cold (?ks-warmup=0). Also the longest
// main-thread task during the run. Not a test: it prints figures, it asserts nothing.
//
// Usage: node bench/page.mjs [--runs 3] [--markdown out.md] [--before DIST --before-label TEXT]
//        (after `trunk build --release`). With --before, an earlier build's dist/ is measured
//        in the same rounds (its runs alternate with this build's), in rows of its own.
// Env: KS_DIST, KS_SHARED, CHROMIUM as tests-wasm/e2e/e2e.mjs (read by tests-wasm/e2e/harness.mjs).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createStaticServer } from '../scripts/static-server.mjs';
import {
  CHROMIUM, DIST, MODEL_EXT, SHARED, gotoReady, launchChromium, pickFolder, recordLongTasks, serveDist, writeGeneratedConfigs,
} from '../tests-wasm/e2e/harness.mjs';

const WILD = path.join(SHARED, 'corpus', 'wild');
const args = process.argv.slice(2);
const opt = (k, d) => (args.includes(k) ? args[args.indexOf(k) + 1] : d);
const RUNS = Number(opt('--runs', 3));
const MARKDOWN = opt('--markdown', null);
const BEFORE = opt('--before', null);
const BEFORE_LABEL = opt('--before-label', 'before');

if (!fs.existsSync(path.join(DIST, 'index.html'))) {
  console.error(`${DIST}/index.html missing: run \`trunk build --release\` first`);
  process.exit(2);
}

function countModels(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countModels(path.join(dir, e.name));
    else if (MODEL_EXT.some((x) => e.name.toLowerCase().endsWith(x))) n++;
  }
  return n;
}

function generated() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-bench-1000-'));
  const folder = path.join(dir, 'gen');
  fs.mkdirSync(folder);
  writeGeneratedConfigs(folder, 1000);
  return { dir, folder };
}

const { server, origin: ORIGIN } = await serveDist();
let before = null;
if (BEFORE) {
  if (!fs.existsSync(path.join(BEFORE, 'index.html'))) {
    console.error(`${BEFORE}/index.html missing (--before)`);
    process.exit(2);
  }
  const s = createStaticServer(BEFORE);
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  before = { server: s, origin: `http://127.0.0.1:${s.address().port}` };
}
const browser = await launchChromium();

/// One run in a fresh page of the build at `origin`: (ms to the last verdict, longest long
/// task ms, workers).
async function run(origin, folder, files, workers, cold) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await recordLongTasks(page);
  const query = [workers ? `ks-workers=${workers}` : '', cold ? 'ks-warmup=0' : ''].filter(Boolean).join('&');
  const opened = Date.now();
  await gotoReady(page, `${origin}/${query ? `?${query}` : ''}`, { policy: 'ok' });
  // From opening the page to its scan engine ready (a worker warmed up, unless cold).
  const warm = Date.now() - opened;
  // The other workers of the pool start with the page too: the folder comes 500 ms later.
  await page.waitForTimeout(500);
  await page.evaluate(() => { window.__ksLongTasks.length = 0; });
  await pickFolder(page, folder, files, 600000);
  const out = await page.evaluate(() => ({
    ms: Number(document.querySelector('#results').dataset.scanMs),
    long: Math.max(0, ...window.__ksLongTasks),
    cores: navigator.hardwareConcurrency,
  }));
  await context.close();
  return { ...out, warm };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sets = [];
if (fs.existsSync(WILD)) sets.push({ name: 'wild', folder: WILD, files: countModels(WILD) });
else console.error(`[page bench] ${WILD} not found: wild corpus skipped`);
const gen = generated();
sets.push({ name: '1,000 generated config files', folder: gen.folder, files: 1000 });

function du(dir) {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? du(p) : fs.statSync(p).size;
  }
  return n;
}
for (const s of sets) s.name = s.folder === WILD ? `wild corpus folder (${s.files} model files, ${(du(WILD) / 2 ** 20).toFixed(0)} MiB)` : s.name;

const lines = [];
let cores;
try {
  for (const s of sets) {
    // The pool's default size cold too (no warm-up), on the wild folder.
    for (const [workers, cold] of [[1, false], [null, false], ...(s.folder === WILD ? [[null, true]] : [])]) {
      const builds = before ? [[`${BEFORE_LABEL}: `, before.origin], ['', ORIGIN]] : [['', ORIGIN]];
      const rs = builds.map(() => []);
      const load = os.loadavg()[0];
      for (let i = 0; i < RUNS; i++) {
        for (const [b, [, origin]] of builds.entries()) rs[b].push(await run(origin, s.folder, s.files, workers, cold));
      }
      cores = rs[0][0].cores;
      const n = workers || Math.min(Math.max(1, cores || 1), 4);
      for (const [b, [label]] of builds.entries()) {
        const r = rs[b];
        const warmCell = `${median(r.map((x) => x.warm))} ms${cold ? ' (no warm-up: `?ks-warmup=0`)' : ''}`;
        const row = `| ${label}${s.name} | ${n}${workers ? '' : ' (default)'} | ${warmCell} | ${median(r.map((x) => x.ms))} ms | ${Math.min(...r.map((x) => x.ms))}–${Math.max(...r.map((x) => x.ms))} ms | ${median(r.map((x) => x.long)).toFixed(0)} ms | ${load.toFixed(1)} |`;
        console.error(row);
        lines.push(row);
      }
    }
  }
} finally {
  await browser.close();
  server.close();
  before?.server.close();
  fs.rmSync(gen.dir, { recursive: true, force: true });
}

const md = [
  `Headless Chromium (${CHROMIUM}), navigator.hardwareConcurrency = ${cores}; ${RUNS} runs each, a fresh page per run.`,
  'Time: from the folder input\'s `change` (files added) to the last verdict in the table, by the page\'s',
  'clock (`#results[data-scan-ms]`). The SHA-256 of every file follows once no file waits for a verdict',
  '(not in this time). The machine is shared: its load average is in the line above, and the',
  '1-minute load average when each row\'s runs started is in the last column (2 cores: above 2, the runs share them).',
  'Longest task: the longest main-thread task (PerformanceObserver `longtask`) during the run, median of the runs.',
  'It counts the browser\'s own work in the page\'s thread: for 1,000 files most of it is Chromium turning the',
  'picked folder into File objects before the `change` event (in a trace: 1,000 synchronous replies, ~190 ms at',
  'load 6); for the wild folder, the first render of the table and its 95 cards (mostly style and layout).',
  ...(before ? [`Rows \`${BEFORE_LABEL}:\` are an earlier build measured in the same rounds (its runs alternate with this build's).`] : []),
  '',
  'Warm-up: before it says it is ready, each worker scans three small sample models (`warmup.h5`, `.keras`, `.json`)',
  'a few times, so that the browser has compiled and optimised the scanner\'s hot code before the user\'s files',
  'come (`scan_worker::worker_warmup`). Engine ready: from opening the page to its first worker ready (median);',
  'the folder is picked 500 ms after that. The cold row turns the warm-up off: its first files pay that compilation.',
  '',
  '| Files | Workers | Engine ready | Time to last verdict (median) | Range | Longest main-thread task | Load |',
  '|---|---|---|---|---|---|---|',
  ...lines,
  '',
].join('\n');
if (MARKDOWN) fs.writeFileSync(MARKDOWN, md);
console.log(md);
