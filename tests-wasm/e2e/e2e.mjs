// End-to-end test of the built page (dist/) in Debian's Chromium, driven by playwright-core.
//
// Serves dist/ from a tiny static server of its own on a free 127.0.0.1 port (with the
// same Content-Security-Policy header as Trunk.toml, so the worker runs under it too),
// then: drops a real malicious .keras on the drop zone, picks files with the file input,
// reads verdicts / PAIT codes / layer paths back from the DOM, switches to Turkish, and
// checks the watchdog (a scan past its deadline is reported as error and the queue goes
// on with a fresh worker; test knob ?ks-test-deadline-ms), and checks that the page
// made no request outside its own origin and none at all while
// scanning. Screenshots go to $KS_SCREENSHOTS (default /tmp).
//
// Usage: node tests-wasm/e2e/e2e.mjs   (after `trunk build --release`)
// Env: KS_DIST (default <repo>/dist), KS_URL (test a running server instead, e.g.
//      http://127.0.0.1:8080 from scripts/serve.sh), KS_SHARED (default <repo>/../shared),
//      CHROMIUM (default /usr/bin/chromium), KS_SCREENSHOTS (default /tmp).
// Prints `N passed, N failed` last; exits non-zero on any failure.

import fs from 'node:fs';
import path from 'node:path';
import {
  DIST, SHARED, SHOTS, assert, check, dropFiles, exitIfMissing, finish, gotoReady, launchChromium, missingChromium, missingDist, serveDist,
  toTurkish,
} from './harness.mjs';

const MALICIOUS = path.join(SHARED, 'corpus/wild/malicious/pongleg-ModelScan_HL__malicious_model.keras');
const BENIGN = path.join(SHARED, 'corpus/wild/benign-binary/RishithaKota-Siamese-Network-for-Face-Verification__siamese_model.keras');
const LAMBDA_CODE = /^PAIT-KERAS-10[012]$/;

// ---- preconditions: fail clearly --------------------------------------------------
const KS_URL = process.env.KS_URL; // test an already running server (e.g. scripts/serve.sh) instead
const missing = KS_URL ? [] : missingDist();
for (const f of [MALICIOUS, BENIGN]) if (!fs.existsSync(f)) missing.push(`${f} (test corpus; set KS_SHARED)`);
missing.push(...missingChromium());
exitIfMissing(missing);

// ---- static server (the same one `serve.sh --static` runs) ---------------------------
let server;
let ORIGIN;
if (KS_URL) {
  ORIGIN = new URL(KS_URL).origin;
  console.log(`testing ${ORIGIN}`);
} else {
  ({ server, origin: ORIGIN } = await serveDist());
  console.log(`serving ${DIST} at ${ORIGIN}`);
}

// ---- browser --------------------------------------------------------------------------
const browser = await launchChromium();

async function newPage(colorScheme = 'light', query = '') {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme, locale: 'en-US' });
  const page = await context.newPage();
  const log = { requests: [], console: [], errors: [], fetches: [] };
  page.on('request', (r) => log.requests.push(r.url()));
  // Every fetch of the page and its workers, each counted once (unlike `requests`).
  page.on('request', (r) => log.fetches.push(new URL(r.url()).pathname));
  context.on('request', (r) => { if (!log.requests.includes(r.url())) log.requests.push(r.url()); });
  // The page asks for policy.toml next to index.html; this site ships none, so the
  // browser logs that 404 (expected: "no site policy" means the built-in one).
  page.on('console', (m) => {
    const url = m.location()?.url || '';
    if (m.type() === 'error' && / 404 /.test(m.text()) && url === ORIGIN + '/policy.toml') return;
    log.console.push(`${m.type()}: ${m.text()}${url ? ' @ ' + url : ''}`);
  });
  page.on('pageerror', (e) => log.errors.push(String(e)));
  page.on('worker', (w) => w.on('console', (m) => log.console.push(`worker ${m.type()}: ${m.text()}`)));
  await gotoReady(page, ORIGIN + '/' + query);
  return { page, context, log };
}

/// Waits until the card of `name` has a result (or failed) and returns what it shows.
async function readCard(page, name) {
  const sel = `section.file-card[data-file="${name}"]`;
  await page.waitForSelector(`${sel}[aria-busy="false"]`, { timeout: 60000 });
  // A closed card (clean, lambda, error) shows its findings once opened, as a user does.
  // (By selector: the card may be re-rendered meanwhile, e.g. when its hash arrives.)
  const closed = `${sel} details.card-body:not([open]) > summary`;
  if (await page.$(closed)) await page.click(closed, { timeout: 10000 });
  return page.$eval(sel, (card) => ({
    state: card.dataset.state,
    verdict: card.dataset.verdict || null,
    badge: card.querySelector('.verdict-badge')?.textContent,
    findings: [...card.querySelectorAll('article.finding')].map((f) => ({
      code: f.dataset.code,
      layer: f.dataset.layer,
      layerText: f.querySelector('.layer-path')?.textContent || '',
      location: f.querySelector('.location')?.textContent || '',
      title: f.querySelector('.finding-title')?.textContent || '',
      // Guidance is shown once per rule, in the rules section; the finding links to it.
      hasFaq: (() => {
        const a = f.querySelector('a.rule-link');
        const g = a && document.querySelector(a.getAttribute('href'));
        return !!(g && g.dataset.code === f.dataset.code && g.querySelector('details.faq dt'));
      })(),
      guidance: (() => {
        const a = f.querySelector('a.rule-link');
        return (a && document.querySelector(a.getAttribute('href'))?.textContent) || '';
      })(),
    })),
    errors: [...card.querySelectorAll('.scan-error')].map((e) => e.textContent),
    text: card.textContent,
  }));
}

function foreign(requests) {
  return requests.filter((u) => !u.startsWith(ORIGIN + '/'));
}

const malName = path.basename(MALICIOUS);
const benName = path.basename(BENIGN);
let main;

await check('page loads under the CSP, scan engine (worker) reports ready, only own assets requested', async () => {
  main = await newPage('light');
  const { page, log } = main;
  assert(foreign(log.requests).length === 0, `requests outside ${ORIGIN}: ${foreign(log.requests).join(', ')}`);
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  assert(/script-src 'self' 'wasm-unsafe-eval'/.test(csp) && /connect-src 'self'/.test(csp), `CSP meta: ${csp}`);
  const inline = await page.$$eval('script', (ss) => ss.filter((s) => !s.src).length);
  assert(inline === 0, `${inline} inline script(s) in the page`);
  const violations = log.console.filter((l) => /Content Security Policy|Refused to/i.test(l));
  assert(violations.length === 0, `CSP violations: ${violations.join(' | ')}`);
  assert(log.errors.length === 0, `page errors: ${log.errors.join(' | ')}`);
  const rules = await page.$$eval('#rules-list details.rule', (d) => d.map((x) => x.dataset.code));
  assert(rules.some((c) => c === 'PAIT-KERAS-101'), `rules reference lacks PAIT-KERAS-101: ${rules}`);
  // One wasm at start, fetched once: the scanning workers run the page's own module, which
  // the page posts to them compiled (web/src/bin/app/pool.rs), so no worker fetches wasm.
  // Once every worker of the pool has loaded the glue (the page's JS, which each imports; at
  // most 10 s), the page's wasm was still fetched only once.
  const workers = await page.evaluate(() => Math.min(4, navigator.hardwareConcurrency || 1));
  const glue = () => log.fetches.filter((p) => /^\/app-[0-9a-f]+\.js$/.test(p)).length;
  for (let i = 0; i < 100 && glue() < 1 + workers; i++) await page.waitForTimeout(100);
  const wasm = log.fetches.filter((p) => p.endsWith('.wasm'));
  assert(wasm.length === 1 && /^\/app-[0-9a-f]+_bg\.wasm$/.test(wasm[0]),
    `wasm fetched at start (${workers} workers, glue loaded ${glue()} times): ${wasm.join(', ') || 'none'}`);
  // The rules' guidance (rules.json) is fetched when a reader first opens it, not at start.
  assert(!log.requests.some((u) => u.endsWith('/rules.json')), 'rules.json was fetched at start');
  // The Turkish pack (tr.json) is fetched when the page is first shown in Turkish.
  assert(!log.requests.some((u) => u.endsWith('/tr.json')), 'tr.json was fetched at start in English');
  // Each worker warms the scanner up on the three sample models from the page's origin
  // before it is ready (scan_worker::worker_warmup): fetched once per worker, and none of
  // it shows as a result.
  for (const sample of ['/warmup.h5', '/warmup.keras', '/warmup.json']) {
    const n = log.fetches.filter((p) => p === sample).length;
    assert(n >= 1 && n <= workers, `${sample} fetched ${n} times by ${workers} workers`);
  }
  const shown = await page.evaluate(() => document.querySelector('#results').dataset.scanFiles);
  assert(shown === undefined, `the warm-up showed as results: ${shown} file(s)`);
});

await check('drop a malicious .keras: PAIT lambda finding on the Lambda layer, with evidence and FAQ, no requests', async () => {
  const { page, log } = main;
  const before = log.requests.length;
  await dropFiles(page, [MALICIOUS]);
  const card = await readCard(page, malName);
  const during = log.requests.slice(before);
  assert(during.length === 0, `requests made during the scan: ${during.join(', ')}`);
  // The verdict becomes `malicious` once the bytecode analysis lands; until then the
  // same lambda may be reported as suspicious/lambda, or the file as `error` (e.g. an
  // unfinished HDF5 reader on model.weights.h5). Never `clean`, never unscanned.
  assert(['malicious', 'suspicious', 'lambda', 'error'].includes(card.verdict), `verdict ${card.verdict} (state ${card.state})`);
  const f = card.findings.find((x) => LAMBDA_CODE.test(x.code));
  assert(f, `no PAIT-KERAS-10x finding; findings: ${JSON.stringify(card.findings)}`);
  assert(/(^|> )lambda$/.test(f.layer), `layer path ${JSON.stringify(f.layer)} does not end at the layer "lambda"`);
  assert(f.layerText === f.layer, `layer path not shown: ${JSON.stringify(f.layerText)}`);
  assert(f.location.includes('config.json'), `location ${JSON.stringify(f.location)} does not name config.json`);
  // Following the finding's guidance link opens its rule and loads the guidance (rules.json).
  const link = `section.file-card[data-file="${malName}"] article.finding[data-code="${f.code}"] a.rule-link`;
  await page.click(link);
  await page.waitForSelector(`#rule-${f.code}[open] details.faq dt`, { state: 'attached', timeout: 10000 });
  assert(log.requests.some((u) => u.endsWith('/rules.json')), 'the guidance link did not load rules.json');
  assert(foreign(log.requests).length === 0, `requests outside ${ORIGIN}: ${foreign(log.requests).join(', ')}`);
  const linked = (await readCard(page, malName)).findings.find((x) => x.code === f.code);
  assert(linked.hasFaq, 'finding links to no guidance with an FAQ for its rule');
  await page.screenshot({ path: path.join(SHOTS, 'ks-e2e-drop-light.png'), fullPage: true });
});

await check('file input: benign and malicious files together, each gets its own result', async () => {
  const { page, log } = main;
  const before = log.requests.length;
  await page.setInputFiles('#file-input', [BENIGN, MALICIOUS]);
  const ben = await readCard(page, benName);
  const mal = await page.$$eval(`section.file-card[data-file="${malName}"]`, (c) => c.length);
  assert(mal === 2, `expected the malicious file twice (drop + input), saw ${mal}`);
  await page.waitForFunction(() => ![...document.querySelectorAll('section.file-card')].some((c) => c.getAttribute('aria-busy') !== 'false'), null, { timeout: 60000 });
  const during = log.requests.slice(before);
  assert(during.length === 0, `requests made during the scan: ${during.join(', ')}`);
  // The benign model embeds one ordinary Lambda (tensor work only): PAIT-KERAS-100 on
  // its layer, never 101/102, never malicious or suspicious. `error` is accepted only
  // while the HDF5 weights reader is unfinished.
  assert(['lambda', 'error'].includes(ben.verdict), `benign verdict ${ben.verdict}; findings ${JSON.stringify(ben.findings)} errors ${ben.errors}`);
  assert(!ben.findings.some((x) => /^PAIT-KERAS-10[12]$/.test(x.code)), `benign file has a malicious/suspicious lambda finding: ${JSON.stringify(ben.findings)}`);
  const present = ben.findings.find((x) => x.code === 'PAIT-KERAS-100');
  assert(present && present.layer === 'sequential_2 > lambda_2', `expected PAIT-KERAS-100 on sequential_2 > lambda_2: ${JSON.stringify(ben.findings)}`);
  const summary = await page.textContent('#summary');
  assert(/3 file/.test(summary), `summary: ${summary}`);
});

await check('switch to Turkish: UI, verdict and rule texts change language', async () => {
  const { page } = main;
  const enTitle = (await readCard(page, malName)).findings.find((x) => LAMBDA_CODE.test(x.code)).title;
  await toTurkish(page);
  assert(main.log.fetches.filter((p) => p === '/tr.json').length === 1, 'tr.json not fetched once on the switch');
  const drop = await page.textContent('#drop-title');
  assert(drop.includes('Model dosyalarını'), `drop title not Turkish: ${drop}`);
  const card = await readCard(page, malName);
  const guided = card.findings.find((x) => LAMBDA_CODE.test(x.code));
  assert(guided.guidance.includes('Sıkça sorulan sorular'), "no Turkish FAQ heading in the finding's guidance");
  assert(card.text.includes('Katman'), 'no Turkish "Katman" (layer) label');
  const f = card.findings.find((x) => LAMBDA_CODE.test(x.code));
  assert(f.title && f.title !== enTitle, `rule title did not change: ${f.title}`);
  await page.screenshot({ path: path.join(SHOTS, 'ks-e2e-turkish.png'), fullPage: true });
  await page.click('#lang-en');
  assert((await page.textContent('#drop-title')).includes('Drop model files'), 'did not switch back to English');
});

await check('folder picker: model files inside are scanned with their folder path, other files skipped', async () => {
  const { page, log } = main;
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'ks-e2e-folder-'));
  const folder = path.join(dir, 'models');
  fs.mkdirSync(path.join(folder, 'nested'), { recursive: true });
  fs.copyFileSync(MALICIOUS, path.join(folder, 'nested', 'bad.keras'));
  fs.writeFileSync(path.join(folder, 'README.txt'), 'not a model');
  const before = log.requests.length;
  try {
    await page.setInputFiles('#folder-input', folder);
    const card = await readCard(page, 'models/nested/bad.keras');
    assert(card.findings.some((x) => LAMBDA_CODE.test(x.code) && /(^|> )lambda$/.test(x.layer)), `no lambda finding: ${JSON.stringify(card.findings)}`);
    const skipped = await page.textContent('#skipped');
    assert(skipped.includes('README.txt'), `skipped notice: ${skipped}`);
    assert(log.requests.length === before, `requests during the scan: ${log.requests.slice(before)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

await check('dark colour scheme renders (screenshot)', async () => {
  const dark = await newPage('dark');
  await dark.page.setInputFiles('#file-input', [MALICIOUS]);
  await readCard(dark.page, malName);
  await dark.page.screenshot({ path: path.join(SHOTS, 'ks-e2e-dark.png'), fullPage: false });
  assert(foreign(dark.log.requests).length === 0, `foreign requests: ${foreign(dark.log.requests)}`);
  await dark.context.close();
});

await check('watchdog: a scan past its deadline is stopped and reported as error; the next file is still scanned', async () => {
  // Test knob: a 1 ms deadline for files whose name contains "slow-" only, so an
  // ordinary model is "too slow" and the file queued after it has the normal deadline.
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'ks-e2e-watchdog-'));
  const slow = path.join(dir, 'slow-model.keras');
  fs.copyFileSync(BENIGN, slow);
  // Without the warm-up (`ks-warmup=0`): a warm scan of this file can beat the 1 ms timer.
  const w = await newPage('light', '?ks-test-deadline-ms=1&ks-test-deadline-only=slow-&ks-warmup=0');
  try {
    await w.page.setInputFiles('#file-input', [slow, MALICIOUS]);
    const stopped = await readCard(w.page, 'slow-model.keras');
    assert(stopped.verdict === 'error', `stopped scan verdict ${stopped.verdict} (state ${stopped.state})`);
    assert(stopped.errors.some((e) => /scan stopped after 0\.001 s/.test(e) && /max_scan_ms/.test(e)), `errors: ${stopped.errors}`);
    const next = await readCard(w.page, malName);
    assert(!next.errors.some((e) => /scan stopped/.test(e)), `the next file was stopped too: ${next.errors}`);
    assert(next.findings.some((x) => LAMBDA_CODE.test(x.code)), `the next file was not scanned by the fresh worker: ${JSON.stringify(next)}`);
    const status = await w.page.textContent('#engine-status');
    assert(/restarted/.test(status), `engine status: ${status}`);
    assert(foreign(w.log.requests).length === 0, `foreign requests: ${foreign(w.log.requests)}`);
    assert(w.log.errors.length === 0, `page errors: ${w.log.errors.join(' | ')}`);
    await w.page.screenshot({ path: path.join(SHOTS, 'ks-e2e-watchdog.png'), fullPage: true });
  } finally {
    await w.context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

await check('limits setting: a bad line holds the queue and is shown; a limit set in the page makes the file an error naming it', async () => {
  const w = await newPage('light');
  try {
    await w.page.click('#limits-settings summary');
    await w.page.fill('#limits-input', 'max_nope=1');
    await w.page.setInputFiles('#file-input', [BENIGN]);
    await w.page.waitForSelector('#limits-error:not([hidden])', { timeout: 30000 });
    const err = await w.page.textContent('#limits-error');
    assert(/line 1/.test(err) && /max_nope/.test(err), `limits error: ${err}`);
    await w.page.waitForSelector(`section.file-card[data-file="${benName}"]`, { timeout: 30000 });
    await w.page.waitForTimeout(500);
    const held = await w.page.$eval(`section.file-card[data-file="${benName}"]`, (c) => c.dataset.verdict || '');
    assert(held === '', `the file was scanned despite a bad setting (verdict ${held})`);
    await w.page.fill('#limits-input', '# tight\nmax_work=10');
    const card = await readCard(w.page, benName);
    assert(card.verdict === 'error', `verdict ${card.verdict} with max_work=10`);
    assert(card.errors.some((e) => /max_work/.test(e)), `errors do not name the limit: ${card.errors}`);
    assert(await w.page.$eval('#limits-error', (e) => e.hidden), 'the error stayed after the fix');
  } finally {
    await w.context.close();
  }
});

if (!KS_URL) {
  await check('a scanning worker that cannot start: the page says the scan engine could not start', async () => {
    // Its script fails to load (workers start with the page's module, web/src/bin/app/pool.rs):
    // each start fails, the pool gives up after 3 and says so, instead of waiting forever.
    const broken = await serveDist({ '/worker_loader.js': { status: 500 } });
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.goto(broken.origin + '/', { waitUntil: 'load' });
      await page.waitForSelector('#engine-status.bad', { timeout: 30000 });
      const text = await page.textContent('#engine-status');
      assert(/could not start/.test(text), `engine status: ${text}`);
    } finally {
      await context.close();
      broken.server.close();
    }
  });
}

await check('whole session: every request went to the page origin, no errors, no CSP violations', async () => {
  const { log } = main;
  assert(foreign(log.requests).length === 0, `requests outside ${ORIGIN}: ${foreign(log.requests).join(', ')}`);
  const bad = log.console.filter((l) => /^error|Content Security Policy|Refused to/i.test(l));
  assert(bad.length === 0, `console errors: ${bad.join(' | ')}`);
  assert(log.errors.length === 0, `page errors: ${log.errors.join(' | ')}`);
  console.log(`       ${log.requests.length} requests, all to ${ORIGIN}: ${[...new Set(log.requests.map((u) => u.slice(ORIGIN.length)))].join(' ')}`);
});

await browser.close();
server?.close();
finish({ before: `screenshots: ${SHOTS}/ks-e2e-*.png` });
