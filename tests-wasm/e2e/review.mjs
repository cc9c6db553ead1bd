// End-to-end test of the page's review workflow (dist/ in Debian's Chromium, playwright-core):
// the policy in force (a site-shipped policy.toml, a broken one, a user-picked file), each
// file's SHA-256 (equal to node's), cancelling a long hash, and every export downloaded
// and validated (JSON structure, SARIF with Microsoft's Sarif.Multitool, the HTML report
// opened offline, Markdown). The site's policy.toml is served by the test server as an
// extra path (scripts/static-server.mjs), never written into dist/.
//
// Usage: node tests-wasm/e2e/review.mjs   (after `trunk build --release`)
// Env: KS_DIST, KS_SHARED, CHROMIUM, KS_SCREENSHOTS as tests-wasm/e2e/e2e.mjs;
//      KS_PAGE_SCREENSHOT: also write the README's screenshot there (docs/screenshots/page-exports.png).
// Prints `N passed, N failed` last; exits non-zero on any failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import {
  CHROMIUM, SHARED, SHOTS, assert, check, dropFiles as dropWith, dropTransfer, exitIfMissing, finish, gotoReady, launchChromium,
  missingDist, repo, serveDist, toTurkish,
} from './harness.mjs';

const MULTITOOL = path.join(repo, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
const MALICIOUS = path.join(SHARED, 'corpus/wild/malicious/pongleg-ModelScan_HL__malicious_model.keras');
const BENIGN = path.join(SHARED, 'corpus/wild/benign-binary/RishithaKota-Siamese-Network-for-Face-Verification__siamese_model.keras');
const malName = path.basename(MALICIOUS);
const benName = path.basename(BENIGN);
const sha256 = (f) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

const missing = missingDist();
for (const f of [MALICIOUS, BENIGN, CHROMIUM, MULTITOOL]) if (!fs.existsSync(f)) missing.push(f);
exitIfMissing(missing);

const BENIGN_SHA = sha256(BENIGN);
const SITE_POLICY = `# test policy served as <origin>/policy.toml
version = 1
name = "e2e-site-policy"

[actions]
critical = "warn"

[[allow]]
file_sha256 = "${BENIGN_SHA}"
reason = "reviewed in E2E-1"
reviewer = "e2e-reviewer"
`;
const USER_POLICY = `version = 1
name = "e2e-user-policy"
[actions]
critical = "block"
high = "block"
medium = "block"
`;

/// A server for dist/ plus `extra` paths; resolves to its origin.
async function serve(extra) {
  const { server, origin } = await serveDist(extra);
  servers.push(server);
  return origin;
}
const servers = [];
const plain = await serve({});
const site = await serve({ '/policy.toml': SITE_POLICY });
const broken = await serve({ '/policy.toml': 'version = 1\n[actions]\ncritical = "maybe"\n' });
const failing = await serve({ '/policy.toml': { status: 500 } });

const browser = await launchChromium();
const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-e2e-review-'));

async function open(origin, viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme: 'light', locale: 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  const log = { requests: [], errors: [] };
  context.on('request', (r) => log.requests.push(r.url()));
  page.on('pageerror', (e) => log.errors.push(String(e)));
  await gotoReady(page, origin + '/', { policy: 'settled' });
  return { page, context, log, origin };
}

// Files dropped here carry no MIME type (as a File made without one).
const dropFiles = (page, files) => dropWith(page, files, { type: '' });

const card = (name) => `section.file-card[data-file="${name}"]`;

/// Waits for the file's verdict and hash (done, cancelled or failed), returns what the card shows.
async function settled(page, name) {
  await page.waitForSelector(`${card(name)}[aria-busy="false"] .file-hash:not([data-state="running"]):not([data-state="waiting"])`, { timeout: 120000 });
  return page.$eval(card(name), (c) => ({
    verdict: c.dataset.verdict,
    action: c.querySelector('.policy-decision')?.dataset.action,
    pending: c.querySelector('.policy-decision')?.dataset.pendingHash,
    decision: c.querySelector('.policy-decision')?.textContent || '',
    hashState: c.querySelector('.file-hash')?.dataset.state,
    sha256: c.querySelector('.file-hash')?.dataset.sha256 || null,
    hashText: c.querySelector('.file-hash')?.textContent || '',
    codes: [...c.querySelectorAll('article.finding')].map((f) => f.dataset.code),
    actions: [...c.querySelectorAll('article.finding')].map((f) => f.dataset.action),
    allowed: [...c.querySelectorAll('article.finding p.allowed-by')].map((p) => p.textContent),
  }));
}

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click(selector)]);
  const file = path.join(downloads, d.suggestedFilename());
  await d.saveAs(file);
  return file;
}

/// Validates a JSON export against the committed report schema (docs/report.schema.json,
/// JSON Schema 2020-12) with ajv (npm). Without the schema in this tree: one SKIP line.
const SCHEMA = process.env.KS_REPORT_SCHEMA || path.join(repo, 'docs', 'report.schema.json');
let schemaValidator;
function validateReport(doc, what) {
  if (!fs.existsSync(SCHEMA)) {
    console.log(`SKIP - JSON Schema validation of the export (${what}): ${SCHEMA} not in this tree`);
    return;
  }
  if (!schemaValidator) {
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    schemaValidator = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA, 'utf8')));
  }
  const ok = schemaValidator(doc);
  const errs = (schemaValidator.errors || []).slice(0, 10).map((e) => `${e.instancePath}: ${e.message}`).join('\n');
  assert(ok, `${what}: not valid against ${SCHEMA}:\n${errs}`);
}

const foreign = (s) => s.log.requests.filter((u) => !u.startsWith(s.origin + '/') && !u.startsWith('blob:'));

let sitePage;
let exportedAll;
let exportedAllSarif;
const EXPORTER_FILES = ['/exporter_loader.js', '/exporter.js', '/exporter_bg.wasm'];
await check('site policy: policy.toml next to index.html is in force and applied, file allowlist after the hash', async () => {
  sitePage = await open(site, { width: 1100, height: 1000 });
  const { page } = sitePage;
  const st = await page.$eval('#policy-status', (e) => ({ ...e.dataset, text: e.textContent }));
  assert(st.source === 'site' && st.state === 'ok' && st.name === 'e2e-site-policy', `banner: ${JSON.stringify(st)}`);
  assert(st.text.includes('e2e-site-policy'), `banner text: ${st.text}`);
  await dropFiles(page, [MALICIOUS, BENIGN]);
  const mal = await settled(page, malName);
  assert(mal.verdict === 'malicious', `verdict ${mal.verdict}`);
  // critical = "warn" in the site policy (the built-in one blocks).
  assert(mal.action === 'warn' && /e2e-site-policy/.test(mal.decision) && /passes/.test(mal.decision), `decision ${JSON.stringify(mal)}`);
  assert(mal.actions.length > 0 && mal.actions.every((a) => a === 'warn' || a === 'ignore'), `finding actions ${mal.actions}`);
  const ben = await settled(page, benName);
  assert(ben.hashState === 'done' && ben.sha256 === BENIGN_SHA, `benign hash ${ben.sha256} != ${BENIGN_SHA}`);
  assert(ben.action === 'ignore' && ben.pending === 'false', `benign decision ${JSON.stringify(ben)}`);
  assert(/e2e-reviewer/.test(ben.decision) && /E2E-1/.test(ben.decision), `no reviewer/reason: ${ben.decision}`);
  assert(ben.actions.every((a) => a === 'ignore') && ben.allowed.length === ben.codes.length && ben.allowed.every((t) => /e2e-reviewer/.test(t)), `finding decisions ${JSON.stringify(ben)}`);
  assert(foreign(sitePage).length === 0, `foreign requests ${foreign(sitePage)}`);
});

await check('hash of a known file equals sha256 of it (node crypto)', async () => {
  const mal = await settled(sitePage.page, malName);
  assert(mal.sha256 === sha256(MALICIOUS), `page ${mal.sha256} node ${sha256(MALICIOUS)}`);
});

await check('exports: JSON (CLI schema), SARIF (Sarif.Multitool: 0 errors), HTML (offline, verdict, codes, hash), Markdown', async () => {
  const { page } = sitePage;
  const mal = await settled(page, malName);
  const sel = (kind) => `${card(malName)} button[data-export="${kind}"]`;
  const before = sitePage.log.requests.length;
  // The exporter's wasm is not part of the page's start: nothing of it was fetched while
  // the page loaded, scanned and hashed.
  const early = sitePage.log.requests.filter((u) => EXPORTER_FILES.some((f) => u.endsWith(f)));
  assert(early.length === 0, `exporter fetched before the first export: ${early}`);

  const json = JSON.parse(fs.readFileSync(await download(page, sel('json')), 'utf8'));
  assert(json.schema_version === 2 && json.scanner === 'keras-sentinel' && typeof json.scanner_version === 'string', `header ${JSON.stringify({ ...json, files: undefined })}`);
  assert(json.files[0].findings.every((x) => json.rules[x.code]?.title), `rules ${JSON.stringify(json.rules)}`);
  assert(json.files.length === 1, `files ${json.files.length}`);
  const f = json.files[0];
  assert(f.path === malName && f.verdict === mal.verdict && f.sha256 === sha256(MALICIOUS), `file ${f.path} ${f.verdict} ${f.sha256}`);
  assert(JSON.stringify(f.findings.map((x) => x.code)) === JSON.stringify(mal.codes), `codes ${f.findings.map((x) => x.code)} vs ${mal.codes}`);
  for (const k of ['format', 'findings', 'stats', 'policy']) assert(k in f, `no ${k}`);
  assert(f.policy.policy === 'e2e-site-policy' && f.policy.action === 'warn' && f.policy.findings.length === f.findings.length, `policy ${JSON.stringify(f.policy)}`);

  const all = JSON.parse(fs.readFileSync(await download(page, '#export-all button[data-export="json"]'), 'utf8'));
  assert(all.files.length === 2 && all.files.some((x) => x.path === benName && x.sha256 === BENIGN_SHA), `export all: ${all.files.map((x) => x.path)}`);

  exportedAll = all;
  validateReport(all, 'export all');
  validateReport(json, 'one file');

  for (const which of [sel('sarif'), '#export-all button[data-export="sarif"]']) {
    const sarifFile = await download(page, which);
    const sarifText = fs.readFileSync(sarifFile, 'utf8');
    if (which.startsWith('#export-all')) exportedAllSarif = sarifText;
    const sarif = JSON.parse(sarifText);
    assert(sarif.version === '2.1.0' && sarif.runs.length === 1, 'not one SARIF 2.1.0 run');
    assert(sarif.runs[0].results.some((r) => mal.codes.includes(r.ruleId)), `no result for ${mal.codes}`);
    const out = sarifFile + '.validation.sarif';
    const run = spawnSync(MULTITOOL, ['validate', sarifFile, '-o', out, '--log', 'ForceOverwrite'], { encoding: 'utf8' });
    const text = `${run.stdout}\n${run.stderr}`;
    assert(run.status !== null && !run.error, `Sarif.Multitool did not run: ${run.error}`);
    const errors = text.split('\n').filter((l) => l.includes(': error '));
    assert(errors.length === 0, `Sarif.Multitool: ${errors.join('\n')}`);
  }

  const md = fs.readFileSync(await download(page, sel('md')), 'utf8');
  assert(md.includes('Malicious') && md.includes('`malicious`'), `markdown verdict: ${md.slice(0, 300)}`);
  for (const c of mal.codes) assert(md.includes(c), `markdown lacks ${c}`);
  assert(md.includes(sha256(MALICIOUS)), 'markdown lacks the hash');

  const htmlFile = await download(page, sel('html'));
  const viewer = await browser.newContext();
  const v = await viewer.newPage();
  const requests = [];
  viewer.on('request', (r) => requests.push(r.url()));
  await v.goto(pathToFileURL(htmlFile).href);
  const h = await v.evaluate(() => ({
    verdict: document.querySelector('section.file')?.dataset.verdict,
    codes: [...document.querySelectorAll('.finding')].map((f) => f.dataset.code),
    text: document.body.textContent,
    scripts: document.scripts.length,
    external: [...document.querySelectorAll('[src],[href]')].length,
    lang: document.documentElement.lang,
    // The model overview: the layer tree with the lambda's finding marked on its layer.
    overview: document.querySelector('details.overview summary')?.textContent,
    marked: [...document.querySelectorAll('details.overview li')].filter((li) => /← PAIT-KERAS-10\d #1/.test(li.firstChild?.textContent || '')).length,
  }));
  await viewer.close();
  assert(/^Model overview \(\d+ layer\(s\)\)$/.test(h.overview || '') && h.marked >= 1, `html overview: ${h.overview}, ${h.marked} marked`);
  assert(h.verdict === mal.verdict && h.text.includes('Malicious'), `html verdict ${h.verdict}`);
  assert(JSON.stringify(h.codes) === JSON.stringify(mal.codes), `html codes ${h.codes}`);
  assert(h.text.includes(sha256(MALICIOUS)) && h.text.includes('e2e-site-policy'), 'html lacks the hash or the policy');
  assert(h.scripts === 0 && h.external === 0 && h.lang === 'en', `scripts ${h.scripts} external ${h.external} lang ${h.lang}`);
  assert(requests.length === 1 && requests[0].startsWith('file:'), `html report made requests: ${requests}`);

  await toTurkish(page);
  const trFile = await download(page, sel('html'));
  const tr = fs.readFileSync(trFile, 'utf8');
  assert(tr.includes('<html lang="tr">') && tr.includes('Kötü amaçlı'), 'Turkish HTML report');
  // The report's messages in Turkish: the page sends the Turkish pack's templates (tr.json).
  assert(tr.includes('dinamik kod') && !tr.includes('dynamic code'), 'Turkish HTML report: messages not in Turkish');
  assert(tr.includes('<summary>Model görünümü ('), 'Turkish HTML report: the overview not in Turkish');
  await page.click('#lang-en');

  // Exports are built by the exporter, a worker of its own: its three files are fetched
  // from the page's origin at the first export, once, and kept for the next exports; the
  // downloads are blob: URLs; nothing else is requested but the Turkish pack (the switch).
  const during = sitePage.log.requests.slice(before).filter((u) => !u.startsWith('blob:'));
  const own = [...EXPORTER_FILES, '/tr.json'].map((f) => sitePage.origin + f);
  assert(during.length === own.length && own.every((u) => during.includes(u)), `requests during exports: ${during}`);
  await page.screenshot({ path: path.join(SHOTS, 'ks-e2e-exports.png'), fullPage: true });
});

if (process.env.KS_CLI) {
  await check('JSON export: the same content as `keras-sentinel scan --format json` for the same files (path prefix aside)', async () => {
    assert(exportedAll, 'no JSON export to compare (the export test failed)');
    for (const file of [MALICIOUS, BENIGN]) {
      const run = spawnSync(process.env.KS_CLI, ['scan', '--format', 'json', file], { encoding: 'utf8' });
      assert(run.stdout, `CLI produced nothing: ${run.stderr}`);
      const cli = JSON.parse(run.stdout);
      assert(cli.schema_version === exportedAll.schema_version && cli.scanner_version === exportedAll.scanner_version, 'header differs');
      for (const code of Object.keys(cli.rules)) {
        assert(JSON.stringify(cli.rules[code]) === JSON.stringify(exportedAll.rules[code]), `rule text of ${code} differs`);
      }
      const want = cli.files[0];
      want.path = path.basename(want.path);
      // The page adds what the CLI adds only with --policy: the hash and the decision.
      const got = { ...exportedAll.files.find((x) => x.path === want.path) };
      assert(got.sha256 === sha256(file), `sha256 ${got.sha256}`);
      delete got.sha256;
      delete got.policy;
      delete want.sha256;
      delete want.policy;
      assert(JSON.stringify(got) === JSON.stringify(want), `${want.path}: page\n${JSON.stringify(got)}\ncli\n${JSON.stringify(want)}`);
    }
  });

  await check('SARIF export of all files: byte for byte `keras-sentinel scan --format sarif --policy` (same files, same policy)', async () => {
    assert(exportedAllSarif, 'no SARIF export to compare (the export test failed)');
    // The page names a dropped file by its name alone: run the CLI on the same names.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-e2e-sarif-'));
    try {
      for (const f of [MALICIOUS, BENIGN]) fs.symlinkSync(f, path.join(dir, path.basename(f)));
      fs.writeFileSync(path.join(dir, 'policy.toml'), SITE_POLICY);
      const run = spawnSync(process.env.KS_CLI, ['scan', '--format', 'sarif', '--policy', 'policy.toml', malName, benName], { cwd: dir, encoding: 'utf8' });
      assert(run.stdout, `CLI produced nothing: ${run.stderr}`);
      if (run.stdout !== exportedAllSarif) {
        const a = run.stdout.split('\n');
        const b = exportedAllSarif.split('\n');
        const i = a.findIndex((line, k) => line !== b[k]);
        throw new Error(`SARIF differs from the CLI's at line ${i + 1}:\n cli:  ${a[i]}\n page: ${b[i]}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
} else {
  console.log('SKIP - JSON and SARIF exports vs the CLI: set KS_CLI to the keras-sentinel binary (scripts/test-browser.sh does)');
}

await check('user-picked policy replaces the site policy and every file is scanned again under it', async () => {
  const { page } = sitePage;
  const file = path.join(downloads, 'team.toml');
  fs.writeFileSync(file, USER_POLICY);
  await page.setInputFiles('#policy-input', file);
  await page.waitForSelector('#policy-status[data-source="user"][data-state="ok"]', { timeout: 30000 });
  const st = await page.$eval('#policy-status', (e) => ({ ...e.dataset, text: e.textContent }));
  assert(st.name === 'e2e-user-policy' && st.text.includes('team.toml'), `banner ${JSON.stringify(st)}`);
  const mal = await settled(page, malName);
  assert(mal.action === 'block' && /does not pass/.test(mal.decision) && /e2e-user-policy/.test(mal.decision), `decision ${JSON.stringify(mal)}`);
  const ben = await settled(page, benName);
  assert(ben.action === 'block' && ben.sha256 === BENIGN_SHA, `benign under the user policy ${JSON.stringify(ben)}`);
  if (process.env.KS_PAGE_SCREENSHOT) {
    // The README's picture: policy banner, verdicts, decisions, hashes, export buttons
    // (drop zone and rules reference hidden to fit them in one screen).
    await page.evaluate(() => { for (const s of ['#dropzone', 'section.rules']) document.querySelector(s)?.setAttribute('hidden', ''); });
    await page.screenshot({ path: process.env.KS_PAGE_SCREENSHOT });
    await page.evaluate(() => { for (const s of ['#dropzone', 'section.rules']) document.querySelector(s)?.removeAttribute('hidden'); });
  }
  // A malformed pick: line/column/key shown, no decision made (not the built-in policy).
  fs.writeFileSync(file, 'version = 1\nname = "bad"\n[codes]\n"NO-SUCH-CODE" = "warn"\n');
  await page.setInputFiles('#policy-input', file);
  await page.waitForSelector('#policy-status[data-source="none"]', { timeout: 30000 });
  const err = await page.textContent('#policy-error');
  assert(/line 4/.test(err) && /column \d+/.test(err) && /NO-SUCH-CODE/.test(err) && /NOT used/.test(err), `error ${err}`);
  const after = await settled(page, malName);
  assert(after.action === 'none', `a decision was made without a valid policy: ${JSON.stringify(after)}`);
  // A file too large to be a policy is refused without being read.
  fs.writeFileSync(file, Buffer.alloc(2 << 20, 0x20));
  await page.setInputFiles('#policy-input', file);
  await page.waitForFunction(() => /2097152 B > 1048576 B/.test(document.querySelector('#policy-error')?.textContent || ''), null, { timeout: 30000 });
  assert((await page.getAttribute('#policy-status', 'data-source')) === 'none', 'a too large policy is not in force');
});

await check('broken site policy: parse error (line, column, key) and HTTP 500 are shown; the built-in policy is not used', async () => {
  for (const [origin, expect] of [[broken, /line 3, column \d+, key actions\.critical/], [failing, /HTTP 500/]]) {
    const s = await open(origin);
    try {
      await s.page.waitForSelector('#policy-error:not([hidden])', { timeout: 30000 });
      const err = await s.page.textContent('#policy-error');
      assert(expect.test(err) && /NOT used/.test(err), `error shown: ${err}`);
      assert((await s.page.getAttribute('#policy-status', 'data-source')) === 'none', 'status source is not none');
      await dropFiles(s.page, [MALICIOUS]);
      const mal = await settled(s.page, malName);
      assert(mal.verdict === 'malicious' && mal.action === 'none', `no decision expected: ${JSON.stringify(mal)}`);
    } finally {
      await s.context.close();
    }
  }
});

await check('no policy.toml on the site (404): the built-in policy is in force and blocks a malicious file', async () => {
  const s = await open(plain);
  try {
    const st = await s.page.$eval('#policy-status', (e) => ({ ...e.dataset }));
    assert(st.source === 'built-in' && st.state === 'ok' && st.name === 'built-in', `banner ${JSON.stringify(st)}`);
    await dropFiles(s.page, [MALICIOUS]);
    const mal = await settled(s.page, malName);
    assert(mal.action === 'block' && mal.pending === 'false', `decision ${JSON.stringify(mal)}`);
  } finally {
    await s.context.close();
  }
});

await check('cancel a long hash (512 MiB file): "pending hash" meanwhile, the UI says cancelled, the next file is still scanned', async () => {
  // On the site with a policy that has a file entry: its decision waits for the hash.
  const s = await open(site);
  try {
    const dt = await s.page.evaluateHandle(() => {
      const chunk = new Uint8Array(8 << 20).fill(7);
      const dt = new DataTransfer();
      dt.items.add(new File(Array(64).fill(chunk), 'big.bin'));
      return dt;
    });
    await dropTransfer(s.page, dt);
    await dropFiles(s.page, [MALICIOUS]);
    await s.page.waitForSelector(`${card('big.bin')} .file-hash[data-state="running"] button[data-cancel]`, { timeout: 60000 });
    const pending = await s.page.$eval(`${card('big.bin')} .policy-decision`, (d) => [d.dataset.pendingHash, d.textContent]);
    assert(pending[0] === 'true' && /pending hash/.test(pending[1]), `while hashing: ${pending}`);
    await s.page.click(`${card('big.bin')} button[data-cancel]`);
    const big = await settled(s.page, 'big.bin');
    assert(big.hashState === 'cancelled' && /cancelled/.test(big.hashText), `big: ${JSON.stringify(big)}`);
    assert(big.pending === 'unavailable' && /were not checked/.test(big.decision), `decision after cancel: ${big.decision}`);
    const mal = await settled(s.page, malName);
    assert(mal.verdict === 'malicious' && mal.action === 'warn' && mal.sha256 === sha256(MALICIOUS), `next file: ${JSON.stringify(mal)}`);
    assert(s.log.errors.length === 0, `page errors ${s.log.errors}`);
  } finally {
    await s.context.close();
  }
});

await browser.close();
for (const s of servers) s.close();
fs.rmSync(downloads, { recursive: true, force: true });
finish();
