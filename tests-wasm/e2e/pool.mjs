// End-to-end test of the page's worker pool holding files behind a scan (issue 14): a
// worker is sent up to pool::MAX_BEHIND files behind the one it scans, so it never waits
// for a busy main thread. With one worker, a slow file (a 20 MB config) and two small
// ones after it: cancelling the second while the first is still being scanned reports it
// cancelled, and the worker it waited in is replaced, so the slow file and the third
// are queued again and still get their verdicts (none is lost or left "scanning"); the
// same when the worker is replaced because a scan passed its deadline.
//
// Usage: node tests-wasm/e2e/pool.mjs   (after `trunk build --release`)
// Env: KS_DIST (default <repo>/dist), CHROMIUM (default /usr/bin/chromium).
// Prints `N passed, N failed` last; exits non-zero on any failure.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assert, check, eq, exitIfMissing, finish, launchChromium, missingChromium, missingDist, openPage, serveDist } from './harness.mjs';

exitIfMissing([...missingDist(), ...missingChromium()]);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-e2e-pool-'));
const layer = (name) => ({ class_name: 'Dense', config: { name, units: 1 } });
const config = (layers) => JSON.stringify({ class_name: 'Sequential', config: { name: 's', layers } });
// ~20 MB: about a second of scanning in the page, far longer than the test needs to click.
fs.writeFileSync(path.join(dir, 'slow.json'), config(Array.from({ length: 300000 }, (_, i) => layer(`d${i}`))));
for (const n of ['b.json', 'c.json']) fs.writeFileSync(path.join(dir, n), config([layer('d')]));

const { server, origin } = await serveDist();
const browser = await launchChromium();
const card = (name) => `section.file-card[data-file="${name}"]`;

await check('one worker, three files: cancelling a file held behind a running scan cancels it only; the others are scanned again and get verdicts', async () => {
  const { context, page, errors } = await openPage(browser, `${origin}/?ks-workers=1`);
  try {
    await page.setInputFiles('#file-input', ['slow.json', 'b.json', 'c.json'].map((n) => path.join(dir, n)));
    // b.json is shown as being scanned (it was sent to the worker) while slow.json still is.
    await page.waitForSelector(`${card('b.json')}[data-state="scanning"] button[data-cancel]`, { timeout: 30000 });
    const at = await page.evaluate(([slow, b]) => {
      const state = document.querySelector(slow).dataset.state;
      document.querySelector(`${b} button[data-cancel]`).click();
      return state;
    }, [card('slow.json'), card('b.json')]);
    assert(at === 'scanning', `slow.json was ${at} when b.json was cancelled: the test did not cancel a file held behind a scan`);
    await page.waitForFunction(() => [...document.querySelectorAll('section.file-card')].every((c) => c.getAttribute('aria-busy') === 'false'), null, { timeout: 120000 });
    const got = await page.$$eval('section.file-card', (cs) => cs.map((c) => [c.dataset.file, c.dataset.verdict, c.querySelector('.scan-error-message')?.textContent || '']));
    eq(got.map(([f, v]) => [f, v]), [['slow.json', 'clean'], ['b.json', 'error'], ['c.json', 'clean']], 'verdicts');
    assert(/cancelled by the user/.test(got[1][2]), `b.json: ${got[1][2]}`);
    assert(errors.length === 0, `page errors: ${errors}`);
  } finally {
    await context.close();
  }
});

await check('one worker: a scan stopped at its deadline is reported as error, the files held behind it are scanned by the fresh worker', async () => {
  // Test knob: a 1 ms deadline for files whose name contains "slow-" only.
  fs.copyFileSync(path.join(dir, 'slow.json'), path.join(dir, 'slow-x.json'));
  const { context, page, errors } = await openPage(browser, `${origin}/?ks-workers=1&ks-test-deadline-ms=1&ks-test-deadline-only=slow-`);
  try {
    await page.setInputFiles('#file-input', ['slow-x.json', 'b.json', 'c.json'].map((n) => path.join(dir, n)));
    await page.waitForFunction(() => {
      const cs = [...document.querySelectorAll('section.file-card')];
      return cs.length === 3 && cs.every((c) => c.getAttribute('aria-busy') === 'false');
    }, null, { timeout: 120000 });
    const got = await page.$$eval('section.file-card', (cs) => cs.map((c) => [c.dataset.file, c.dataset.verdict, c.querySelector('.scan-error-message')?.textContent || '']));
    eq(got.map(([f, v]) => [f, v]), [['slow-x.json', 'error'], ['b.json', 'clean'], ['c.json', 'clean']], 'verdicts');
    assert(/max_scan_ms/.test(got[0][2]), `slow-x.json: ${got[0][2]}`);
    assert(/restarted/.test(await page.textContent('#engine-status')), 'the worker was not restarted');
    assert(errors.length === 0, `page errors: ${errors}`);
  } finally {
    await context.close();
  }
});

await browser.close();
server.close();
fs.rmSync(dir, { recursive: true, force: true });
finish();
