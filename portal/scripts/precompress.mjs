// Writes .br and .gz beside every compressible file of the build, which the
// Go server sends to browsers that accept them, so no request pays for
// compression at serving time.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = process.argv[2];
if (!root) {
  console.error('usage: node scripts/precompress.mjs DIR');
  process.exit(2);
}
const compressible = new Set(['.js', '.css', '.svg', '.json', '.html', '.txt', '.map']);

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      walk(p);
    } else if (compressible.has(extname(p)) && name !== 'index.html') {
      const body = readFileSync(p);
      if (body.length < 512) continue;
      writeFileSync(p + '.br', brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      writeFileSync(p + '.gz', gzipSync(body, { level: 9 }));
    }
  }
}
walk(root);
