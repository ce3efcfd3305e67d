#!/usr/bin/env node
// `npm run build`: type-check and compile the project (tsc -p tsconfig.build.json), then bundle each FC function with
// esbuild into dist/fc/<fn>/index.js (handler `index.handler`) and zip it as dist/fc/<fn>.zip, ready to deploy.
// `--bundle-only` skips tsc and `--out <dir>` writes elsewhere (the tests bundle into a temporary directory of their
// own, so parallel test files never share one). Prints each bundle's size.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');
const yazl = require('yazl');

const ROOT = path.resolve(__dirname, '..');
const FUNCTIONS = ['audit', 'alarm', 'probe'];
const TARGET_BYTES = 2 * 1024 * 1024;
// Optional modules required only on paths we never take, and not installed: `ws`'s native add-ons (it falls back
// when they are absent) and urllib's `proxy-agent` (used only when an HTTP proxy is configured for ali-oss).
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'proxy-agent'];
// A fixed timestamp keeps the zips byte-identical between builds of the same code.
const ZIP_MTIME = new Date('2020-01-01T00:00:00Z');

function compile() {
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('tsc failed; fix the type errors above');
}

async function bundle(fn, out) {
  const outfile = path.join(out, fn, 'index.js');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [path.join('functions', fn, 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    external: OPTIONAL_NATIVE,
    metafile: true,
    logLevel: 'warning',
  });
  // The metafile (which sources went into the bundle) stays beside the zip, out of the deployed code.
  fs.writeFileSync(path.join(out, `${fn}.meta.json`), JSON.stringify(result.metafile));
  return outfile;
}

function zip(fn, file, out) {
  const target = path.join(out, `${fn}.zip`);
  return new Promise((resolve, reject) => {
    const archive = new yazl.ZipFile();
    archive.addFile(file, 'index.js', { mtime: ZIP_MTIME, mode: 0o100644 });
    archive.outputStream.pipe(fs.createWriteStream(target)).on('close', () => resolve(target)).on('error', reject);
    archive.end();
  });
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(0).padStart(6)} KiB`;
}

function outDir(argv) {
  const at = argv.indexOf('--out');
  if (at < 0) return path.join(ROOT, 'dist', 'fc');
  const dir = argv[at + 1];
  if (!dir) throw new Error('--out needs a directory');
  return path.resolve(dir);
}

async function main(argv) {
  const out = outDir(argv);
  if (!argv.includes('--bundle-only')) compile();
  // Only what this script writes is removed, whatever directory --out names.
  for (const fn of FUNCTIONS) {
    fs.rmSync(path.join(out, fn), { recursive: true, force: true });
    for (const suffix of ['.zip', '.meta.json']) fs.rmSync(path.join(out, `${fn}${suffix}`), { force: true });
  }
  fs.mkdirSync(out, { recursive: true });
  const rows = [];
  for (const fn of FUNCTIONS) {
    const file = await bundle(fn, out);
    const archive = await zip(fn, file, out);
    rows.push({ fn, bundle: fs.statSync(file).size, zip: fs.statSync(archive).size });
  }
  process.stdout.write('function   bundle      zip\n');
  for (const row of rows) process.stdout.write(`${row.fn.padEnd(8)} ${kib(row.bundle)} ${kib(row.zip)}\n`);
  const over = rows.filter((row) => row.zip > TARGET_BYTES);
  if (over.length > 0) {
    process.stderr.write(`over the ${TARGET_BYTES / 1024 / 1024} MB target: ${over.map((r) => r.fn).join(', ')}\n`);
    process.exitCode = 1;
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
