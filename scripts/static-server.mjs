// Minimal static server for dist/ on 127.0.0.1, with the app's Content-Security-Policy as
// a header (so the worker runs under it too). Used by `serve.sh --static` and by the
// end-to-end test. Usage: node scripts/static-server.mjs DIR PORT
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'";
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png', '.ico': 'image/x-icon', '.toml': 'text/plain; charset=utf-8' };

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
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[3] || 8080);
  createStaticServer(process.argv[2] || 'dist').listen(port, '127.0.0.1', () => console.log(`serving on http://127.0.0.1:${port}/`));
}
