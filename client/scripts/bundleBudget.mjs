// Measures the JavaScript a phone downloads before the public product page (/p/:id) can render:
// the entry chunk, everything it imports statically, and the product page's own chunk should it
// ever be split out. Fails the build above the budget (issue 6: < 100 kB gzipped on slow 3G).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const BUDGET_BYTES = 100 * 1024;
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '..', 'dist');
const manifestPath = path.join(dist, '.vite', 'manifest.json');
const ROUTE_MODULES = ['src/features/public/ProductPage.tsx'];

if (!fs.existsSync(manifestPath)) {
  console.error(`bundle budget: ${manifestPath} is missing — run vite build first`);
  process.exit(1);
}
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
if (!entryKey) {
  console.error('bundle budget: no entry chunk in the manifest');
  process.exit(1);
}

const seen = new Set();
function collect(key) {
  if (seen.has(key) || !manifest[key]) return;
  seen.add(key);
  for (const imported of manifest[key].imports ?? []) collect(imported);
}
collect(entryKey);
for (const key of ROUTE_MODULES) collect(key);

let total = 0;
const rows = [];
for (const key of seen) {
  const file = manifest[key].file;
  if (!file.endsWith('.js')) continue;
  const bytes = fs.readFileSync(path.join(dist, file));
  // Level 6 is what nginx and Express' compression middleware use by default: the realistic figure.
  const gz = zlib.gzipSync(bytes, { level: 6 }).length;
  total += gz;
  rows.push(`  ${file.padEnd(40)} ${(bytes.length / 1024).toFixed(1).padStart(7)} kB raw ${(gz / 1024).toFixed(1).padStart(7)} kB gzip`);
}
console.log('Initial JavaScript for the public product page (/p/:id):');
console.log(rows.join('\n'));
const verdict = total <= BUDGET_BYTES ? 'within' : 'OVER';
console.log(`  total ${(total / 1024).toFixed(1)} kB gzipped — ${verdict} the ${BUDGET_BYTES / 1024} kB budget`);
if (total > BUDGET_BYTES) process.exit(1);
