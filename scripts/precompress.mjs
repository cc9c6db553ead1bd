// Writes Brotli (.br) and gzip (.gz) copies next to every compressible file of a built
// site, at maximum compression, for scripts/static-server.mjs (and any server that serves
// precompressed files) to send to clients that accept them.
// Usage: node scripts/precompress.mjs [DIR]   (default: $TRUNK_STAGING_DIR, as a Trunk
// post_build hook, else dist)
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

export const COMPRESSIBLE = new Set(['.wasm', '.js', '.mjs', '.css', '.html', '.svg', '.json', '.toml', '.txt']);
/// Files this small gain nothing worth a second request path.
const MIN_BYTES = 512;

export function precompress(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && COMPRESSIBLE.has(path.extname(p))) {
        const data = fs.readFileSync(p);
        if (data.length < MIN_BYTES) continue;
        const br = zlib.brotliCompressSync(data, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        });
        const gz = zlib.gzipSync(data, { level: 9 });
        fs.writeFileSync(p + '.br', br);
        fs.writeFileSync(p + '.gz', gz);
        out.push({ file: path.relative(dir, p), bytes: data.length, br: br.length, gz: gz.length });
      }
    }
  };
  walk(dir);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR || 'dist';
  for (const f of precompress(dir)) {
    console.log(`precompress ${f.file}: ${f.bytes} B -> br ${f.br} B, gz ${f.gz} B`);
  }
}
