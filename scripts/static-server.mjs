// Minimal static server for dist/ on 127.0.0.1, with the app's Content-Security-Policy as
// a header (so the worker runs under it too). Used by `serve.sh --static` and by the
// end-to-end test. Serves the precompressed `FILE.br` / `FILE.gz` the build writes
// (scripts/precompress.mjs) to clients whose Accept-Encoding allows it, with the original
// file's content type and `Vary: Accept-Encoding`.
// Usage: node scripts/static-server.mjs DIR PORT
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon', '.toml': 'text/plain; charset=utf-8' };

/// The encodings a request accepts, from its Accept-Encoding header: a coding counts
/// unless its q-value is 0 (`br;q=0`); `*` admits codings not named.
export function acceptedEncodings(header) {
  const named = new Map();
  for (const part of String(header || '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    named.set(name, q ? Number(q.slice(2)) > 0 : true);
  }
  const ok = (c) => (named.has(c) ? named.get(c) : named.get('*') === true);
  return ['br', 'gzip'].filter(ok);
}

const SUFFIX = { br: '.br', gzip: '.gz' };

/// The precompressed variant of `file` to send, if any: the first accepted encoding whose
/// sidecar exists and is not older than the file (a stale copy is never served).
function variant(file, accepted) {
  const mtime = fs.statSync(file).mtimeMs;
  for (const enc of accepted) {
    const p = file + SUFFIX[enc];
    try {
      const st = fs.statSync(p);
      if (st.isFile() && st.mtimeMs >= mtime) return { path: p, encoding: enc };
    } catch { /* no such variant */ }
  }
  return null;
}

/// A server for the files under `dir` (nothing outside it), not yet listening.
/// `extra` (tests only) serves more paths without touching `dir`:
/// `{ '/policy.toml': 'text' }` or `{ '/policy.toml': { status: 500 } }`.
export function createStaticServer(dir, extra = {}) {
  const root = path.resolve(dir);
  return http.createServer((req, res) => {
    let rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel.endsWith('/')) rel += 'index.html';
    if (Object.hasOwn(extra, rel)) {
      const x = extra[rel];
      const status = typeof x === 'string' ? 200 : x.status;
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': CSP, 'cache-control': 'no-store' });
      return res.end(typeof x === 'string' ? x : 'error');
    }
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('not found');
    }
    const v = variant(file, acceptedEncodings(req.headers['accept-encoding']));
    const headers = {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
      // The body depends on Accept-Encoding whenever a variant exists.
      vary: 'Accept-Encoding',
    };
    if (v) headers['content-encoding'] = v.encoding;
    const body = v ? v.path : file;
    headers['content-length'] = fs.statSync(body).size;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(body).pipe(res);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[3] || 8080);
  createStaticServer(process.argv[2] || 'dist').listen(port, '127.0.0.1', () => console.log(`serving on http://127.0.0.1:${port}/`));
}
