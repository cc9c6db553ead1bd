// End-to-end test of Turkish mode (issue 12): with the page in Turkish, the wild
// malicious files (shared/corpus/wild/labels.json) are dropped, and no card shows an
// English sentence of the message catalogue in its evidence notes, category chips,
// specific titles or errors. The English fragments come from the catalogue itself
// (crate/src/messages/en.rs; pieces the Turkish text keeps on purpose, such as code,
// are left out), and the same check must find them in English mode, so it can fail.
//
// Usage: node tests-wasm/e2e/turkish.mjs   (after `trunk build --release`)
// Env: KS_DIST (default <repo>/dist), KS_SHARED (default <repo>/../shared),
//      CHROMIUM (default /usr/bin/chromium), KS_SCREENSHOTS (default /tmp).
// Prints `N passed, N failed` last; exits non-zero on any failure.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createStaticServer } from '../../scripts/static-server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const DIST = path.resolve(process.env.KS_DIST || path.join(repo, 'dist'));
const SHARED = path.resolve(process.env.KS_SHARED || path.join(repo, '..', 'shared'));
const WILD = path.join(SHARED, 'corpus/wild');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.KS_SCREENSHOTS || '/tmp';

let passed = 0;
let failed = 0;
function check(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(() => { passed++; console.log(`ok   - ${name}`); })
    .catch((e) => { failed++; console.log(`FAIL - ${name}\n       ${String(e && e.stack || e).split('\n').join('\n       ')}`); });
}
function assert(cond, msg) { if (!cond) throw new Error(msg); }
function finish() {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

const missing = [];
if (!fs.existsSync(path.join(DIST, 'index.html'))) missing.push(`${DIST}/index.html (run \`trunk build --release\` first)`);
if (!fs.existsSync(path.join(WILD, 'labels.json'))) missing.push(`${WILD}/labels.json (test corpus; set KS_SHARED)`);
if (!fs.existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium; or set CHROMIUM)`);
if (missing.length) {
  console.log('missing:\n  ' + missing.join('\n  '));
  failed++;
  finish();
}

// ---- the catalogue's English prose ----------------------------------------------------
// en.rs lines: `NAME "id" "template";`  tr.rs lines: `("id", "template"),`
const unquote = (s) => JSON.parse(`"${s}"`);
const en = [...fs.readFileSync(path.join(repo, 'crate/src/messages/en.rs'), 'utf8')
  .matchAll(/^\s+[A-Z0-9_]+ "([a-z0-9_.]+)" "((?:[^"\\]|\\.)*)";$/gm)].map((m) => [m[1], unquote(m[2])]);
const tr = new Map([...fs.readFileSync(path.join(repo, 'crate/src/messages/tr.rs'), 'utf8')
  .matchAll(/^\s+\("([a-z0-9_.]+)", "((?:[^"\\]|\\.)*)"\),$/gm)].map((m) => [m[1], unquote(m[2])]));
const FRAGMENTS = [];
for (const [id, template] of en) {
  for (const piece of template.split(/\{[a-z_]+\}/)) {
    const p = piece.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
    const words = p.split(/\s+/).filter((w) => /^[A-Za-z]+$/.test(w)).length;
    if (words >= 2 && !(tr.get(id) || '').includes(p)) FRAGMENTS.push({ id, text: p });
  }
}

// ---- page -------------------------------------------------------------------------------
const server = createStaticServer(DIST);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
const page = await context.newPage();
const pageErrors = [];
page.on('pageerror', (e) => pageErrors.push(String(e)));
await page.goto(ORIGIN + '/', { waitUntil: 'load' });
await page.waitForSelector('#engine-status.ok', { timeout: 30000 });

const labels = JSON.parse(fs.readFileSync(path.join(WILD, 'labels.json'), 'utf8')).files;
const malicious = Object.entries(labels).filter(([, v]) => v.includes('malicious')).map(([k]) => k);

async function dropFiles(files) {
  const payload = files.map((f) => ({ name: path.basename(f), b64: fs.readFileSync(f).toString('base64') }));
  const dt = await page.evaluateHandle((items) => {
    const dt = new DataTransfer();
    for (const { name, b64 } of items) {
      const bin = atob(b64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
    }
    return dt;
  }, payload);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent('#dropzone', type, { dataTransfer: dt });
}

/// The message texts every card shows: specific titles, category chips, notes, errors.
async function shownMessages() {
  return page.$$eval('section.file-card', (cards) => cards.map((c) => ({
    file: c.dataset.file,
    verdict: c.dataset.verdict,
    texts: [
      ...[...c.querySelectorAll('.finding-specific')].map((e) => ['title', e.textContent]),
      ...[...c.querySelectorAll('.evidence .chips .chip')].map((e) => ['category', e.textContent]),
      ...[...c.querySelectorAll('.evidence ul.notes li')].map((e) => ['note', e.textContent]),
      ...[...c.querySelectorAll('.scan-error-message')].map((e) => ['error', e.textContent]),
    ],
  })));
}

function englishIn(cards) {
  const hits = [];
  for (const c of cards) {
    for (const [kind, text] of c.texts) {
      for (const f of FRAGMENTS) if (text.includes(f.text)) hits.push(`${c.file} ${kind}: ${JSON.stringify(text)} keeps ${JSON.stringify(f.text)} (${f.id})`);
    }
  }
  return hits;
}

await check(`the catalogue was read (${en.length} English templates, ${tr.size} Turkish, ${FRAGMENTS.length} English fragments)`, () => {
  assert(en.length > 150 && tr.size === en.length, `en ${en.length}, tr ${tr.size}`);
  assert(FRAGMENTS.length > 100, `only ${FRAGMENTS.length} fragments`);
});

await check(`Turkish mode: the ${malicious.length} wild malicious files show no English evidence, category, title or error text`, async () => {
  assert(malicious.length >= 10, `labels.json lists only ${malicious.length} malicious files`);
  await page.click('#lang-tr');
  assert((await page.getAttribute('html', 'lang')) === 'tr', 'html lang is not tr');
  await dropFiles(malicious.map((f) => path.join(WILD, f)));
  await page.waitForFunction((n) => {
    const cards = [...document.querySelectorAll('section.file-card')];
    return cards.length === n && cards.every((c) => c.getAttribute('aria-busy') === 'false');
  }, malicious.length, { timeout: 180000 });
  const cards = await shownMessages();
  const verdicts = cards.map((c) => c.verdict);
  // labels.json allows some of them `suspicious` as well; never clean, never unscanned.
  assert(verdicts.every((v) => v === 'malicious' || v === 'suspicious'), `verdicts: ${verdicts}`);
  assert(verdicts.filter((v) => v === 'malicious').length >= malicious.length / 2, `verdicts: ${verdicts}`);
  const count = cards.reduce((n, c) => n + c.texts.length, 0);
  assert(count >= 50, `only ${count} message texts shown`);
  // A custom-class finding has notes but no category: most cards show both.
  const withChips = cards.filter((c) => c.texts.some(([k]) => k === 'category')).length;
  assert(withChips >= cards.length - 3, `only ${withChips} of ${cards.length} cards show a category chip`);
  assert(cards.every((c) => c.texts.some(([k]) => k === 'note')), 'a card shows no evidence note');
  const hits = englishIn(cards);
  assert(hits.length === 0, `${hits.length} English texts in Turkish mode:\n${hits.slice(0, 20).join('\n')}`);
  await page.screenshot({ path: path.join(SHOTS, 'ks-e2e-turkish-evidence.png'), fullPage: true });
});

await check('English mode: the same check finds the English texts (it can fail)', async () => {
  await page.click('#lang-en');
  const hits = englishIn(await shownMessages());
  assert(hits.length >= 20, `only ${hits.length} English fragments found in English mode`);
  assert(pageErrors.length === 0, `page errors: ${pageErrors.join(' | ')}`);
});

await browser.close();
server.close();
finish();
