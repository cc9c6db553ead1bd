// Accessibility and delivery test of the built page (dist/) in Debian's Chromium:
//   - the static server sends the build's precompressed copies (scripts/precompress.mjs):
//     br or gzip by Accept-Encoding, the original content type, `Vary: Accept-Encoding`,
//     and the page's wasm reaches the browser compressed;
//   - verdict words: a custom-class model is "Review", a JSON file that is no Keras config
//     is an error "not a Keras model config", a clean file with notes says how many;
//   - axe-core (WCAG 2.0/2.1 A and AA, and best practices) in the light and the dark
//     theme, on the page with results shown (a malicious file's card opened, the rules
//     list opened, the policy bar and the limits settings open): any violation fails.
// Uses committed fixtures only, so it runs without ../shared.
//
// Usage: node tests-wasm/e2e/a11y.mjs   (after `trunk build --release`)
// Env: KS_DIST (default <repo>/dist), CHROMIUM (default /usr/bin/chromium),
//      KS_ARTIFACTS (screenshots and axe results; default <repo>/target-web/e2e-artifacts).
// Prints `N passed, N failed` last; exits non-zero on any failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import {
  ARTIFACTS, DIST, assert, check, dropFiles, exitIfMissing, finish, gotoReady, launchChromium, missingChromium, missingDist, repo,
  serveDist, toTurkish,
} from './harness.mjs';

const require = createRequire(import.meta.url);
const MODELS = path.join(repo, 'crate/tests/data/models');
const MALICIOUS = path.join(MODELS, 'keras3/lambda_os_system.keras');
const CUSTOM = path.join(MODELS, 'rules/custom_layer_tf215.h5');

const missing = [...missingDist(), ...missingChromium()];
let AXE;
try { AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'); } catch { missing.push('axe-core (npm ci)'); }
exitIfMissing(missing);
fs.mkdirSync(ARTIFACTS, { recursive: true });

// Files made here: a JSON that is no Keras config, a clean config with two notes.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-a11y-'));
const PACKAGE = path.join(tmp, 'package.json');
fs.writeFileSync(PACKAGE, '{"name": "left-pad", "version": "1.3.0"}');
const NOTES = path.join(tmp, 'notes.json');
fs.writeFileSync(NOTES, '{"class_name": "Sequential", "class_name": "Sequential", "config": {"name": "s", "layers": [], "x": NaN}}');

const { server, origin: ORIGIN } = await serveDist();
console.log(`serving ${DIST} at ${ORIGIN}; artifacts in ${ARTIFACTS}`);

const wasmFiles = fs.readdirSync(DIST).filter((f) => f.endsWith('.wasm'));

await check('precompressed assets: br/gzip by Accept-Encoding, original content type, Vary, identical bytes', async () => {
  assert(wasmFiles.length >= 1, `no .wasm in ${DIST}`);
  for (const f of wasmFiles) {
    const original = fs.readFileSync(path.join(DIST, f));
    assert(fs.existsSync(path.join(DIST, f + '.br')) && fs.existsSync(path.join(DIST, f + '.gz')),
      `${f}: no .br/.gz next to it (the Trunk post_build hook runs scripts/precompress.mjs)`);
    assert(zlib.brotliDecompressSync(fs.readFileSync(path.join(DIST, f + '.br'))).equals(original), `${f}.br is not ${f}`);
    assert(zlib.gunzipSync(fs.readFileSync(path.join(DIST, f + '.gz'))).equals(original), `${f}.gz is not ${f}`);
    for (const [accept, enc] of [['gzip, deflate, br', 'br'], ['gzip', 'gzip'], ['br;q=0, gzip;q=0', null]]) {
      const r = await fetch(`${ORIGIN}/${f}`, { headers: { 'accept-encoding': accept } });
      // fetch (undici) decodes br/gzip itself: compare the decoded body with the file.
      const body = Buffer.from(await r.arrayBuffer());
      assert(r.status === 200, `${f} (${accept}): status ${r.status}`);
      assert(r.headers.get('content-type') === 'application/wasm', `${f}: content-type ${r.headers.get('content-type')}`);
      assert(/accept-encoding/i.test(r.headers.get('vary') || ''), `${f}: no Vary: Accept-Encoding`);
      assert(r.headers.get('content-encoding') === enc, `${f} (${accept}): content-encoding ${r.headers.get('content-encoding')}, expected ${enc}`);
      assert(body.equals(original), `${f} (${accept}): the decoded body differs from the file`);
    }
    const br = fs.statSync(path.join(DIST, f + '.br')).size;
    console.log(`       ${f}: ${original.length} B, br ${br} B (${(100 * br / original.length).toFixed(0)}%)`);
  }
});

const browser = await launchChromium();

async function card(page, name) {
  const sel = `section.file-card[data-file="${name}"]`;
  await page.waitForSelector(`${sel}[aria-busy="false"]`, { timeout: 60000 });
  return page.$eval(sel, (c) => ({
    verdict: c.dataset.verdict || null,
    badge: c.querySelector('.verdict-badge')?.textContent || '',
    summary: c.querySelector('.verdict-summary')?.textContent || '',
    errors: [...c.querySelectorAll('.scan-error')].map((e) => e.textContent),
  }));
}

for (const scheme of ['light', 'dark']) {
  let page;
  await check(`${scheme}: verdict words (review, not a Keras model config, clean with notes) and the wasm arrives compressed`, async () => {
    // bypassCSP only lets the test inject axe-core below; the page's own CSP is checked by e2e.mjs.
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, colorScheme: scheme, locale: 'en-US', bypassCSP: true });
    page = await context.newPage();
    const encodings = {};
    page.on('response', async (r) => {
      if (r.url().endsWith('.wasm')) encodings[r.url().split('/').pop()] = (await r.allHeaders())['content-encoding'] || 'identity';
    });
    context.on('response', async (r) => {
      if (r.url().endsWith('.wasm')) encodings[r.url().split('/').pop()] = (await r.allHeaders())['content-encoding'] || 'identity';
    });
    await gotoReady(page, ORIGIN + '/');
    await dropFiles(page, [MALICIOUS, CUSTOM, PACKAGE, NOTES]);
    const mal = await card(page, path.basename(MALICIOUS));
    assert(mal.verdict === 'malicious', `malicious fixture: ${JSON.stringify(mal)}`);
    const review = await card(page, path.basename(CUSTOM));
    assert(review.verdict === 'review' && /^review$/i.test(review.badge.trim()), `custom class: ${JSON.stringify(review)}`);
    const pkg = await card(page, 'package.json');
    assert(pkg.verdict === 'error' && pkg.errors.some((e) => e.includes('not a Keras model config')), `package.json: ${JSON.stringify(pkg)}`);
    const notes = await card(page, 'notes.json');
    assert(notes.verdict === 'clean' && /clean, 2 notes to read/i.test(notes.badge), `clean with notes badge: ${JSON.stringify(notes)}`);
    assert(!/nothing (dangerous )?found/i.test(notes.summary) && notes.summary.includes('2'), `clean with notes sentence: ${notes.summary}`);
    const chips = await page.$$eval('#summary .chip', (cs) => cs.map((c) => c.textContent));
    assert(chips.some((c) => /1 Review/.test(c)), `summary chips: ${chips}`);
    if (scheme === 'light') {
      // Turkish: the same verdict words, translated.
      await toTurkish(page);
      const trNotes = await card(page, 'notes.json');
      const trReview = await card(page, path.basename(CUSTOM));
      assert(trNotes.badge.includes('Temiz, okunacak 2 not'), `Turkish clean with notes: ${trNotes.badge}`);
      assert(/İncelenmeli/i.test(trReview.badge), `Turkish review: ${trReview.badge}`);
      await page.click('#lang-en');
    }
    const seen = Object.entries(encodings);
    assert(seen.length >= 1, 'no .wasm response seen');
    for (const [f, enc] of seen) assert(enc === 'br' || enc === 'gzip', `${f} arrived with content-encoding ${enc}`);
    console.log(`       wasm encodings: ${seen.map(([f, e]) => `${f} ${e}`).join(', ')}`);
  });

  await check(`${scheme}: axe-core finds no violation with results, a finding, the rules list and the policy bar open`, async () => {
    assert(page, 'no page');
    // Open what a reader opens: the malicious card's first finding details, one rule,
    // the limits settings.
    await page.$$eval('section.file-card[data-verdict="malicious"] details', (ds) => ds.forEach((d) => { d.open = true; }));
    await page.$$eval('#rules-list details.rule', (ds) => ds.slice(0, 3).forEach((d) => { d.open = true; }));
    // Opening a rule fetches its guidance (rules.json): checked once it is shown.
    await page.waitForSelector('#rules-list details.rule[open] .rule-body h3', { timeout: 10000 });
    await page.$eval('#limits-settings', (d) => { d.open = true; });
    await page.addScriptTag({ content: AXE });
    const result = await page.evaluate(async () => {
      // eslint-disable-next-line no-undef
      const r = await axe.run(document, { resultTypes: ['violations'] });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })) }));
    });
    fs.writeFileSync(path.join(ARTIFACTS, `a11y-${scheme}.json`), JSON.stringify(result, null, 2));
    await page.screenshot({ path: path.join(ARTIFACTS, `a11y-${scheme}.png`), fullPage: true });
    const lines = result.map((v) => `${v.id} (${v.impact}): ${v.help}\n         ${v.nodes.map((n) => `${n.target}: ${String(n.summary).split('\n').join(' ')}`).join('\n         ')}`);
    assert(result.length === 0, `${result.length} axe violation(s):\n       ${lines.join('\n       ')}`);
  });
  if (page) await page.context().close();
}

await browser.close();
server.close();
fs.rmSync(tmp, { recursive: true, force: true });
finish();
