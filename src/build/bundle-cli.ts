/**
 * The last step of `npm run build`: the compiled CLI (`dist/cli/main.js` and everything it imports) bundled by esbuild
 * into `dist/cli/main.js` and a few shared chunks beside it. Node then reads a handful of files instead of resolving
 * and compiling about 250 modules, which is most of what start-up costs before the first request (see
 * docs/architecture.md, "Start-up"). Build-time only: the package does not ship this module.
 *
 * What the bundle keeps as it was:
 * - Every dynamic `import()` stays lazy: each becomes its own chunk, loaded when (and if) the code reaches it.
 * - Paths found from `import.meta.url`: the chunks sit in `dist/cli/`, two levels under the package root like every
 *   compiled module, so `PACKAGE_ROOT` (data/load-dataset.ts) still resolves; the bootstrap worker is bundled as
 *   `dist/cli/bootstrap-worker.js` beside the chunk that starts it.
 * - Packages left outside: `eld` (its n-gram tables load in a child process, from node_modules).
 * The library entry points (`healthbench`, `healthbench/testing`) stay unbundled: they are what tsc wrote.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The package root: this file runs as dist/build/bundle-cli.js. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT_DIR = join(ROOT, 'dist', 'cli');
/** Chunk files are named `chunk-<hash>.js`; the build removes the previous build's before writing new ones. */
const CHUNK = /^chunk-[A-Z0-9]+\.js$/;

async function removeOldChunks(): Promise<void> {
  for (const name of await readdir(OUT_DIR)) if (CHUNK.test(name)) await rm(join(OUT_DIR, name));
}

/** Bundles the CLI and writes its files; returns their paths relative to the package root with their sizes. */
export async function bundleCli(): Promise<Array<{ file: string; bytes: number }>> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [
      { in: 'dist/cli/main.js', out: 'main' },
      { in: 'dist/runner/bootstrap-worker.js', out: 'bootstrap-worker' },
    ],
    outdir: OUT_DIR,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunk-[hash]',
    external: ['eld', 'eld/*'],
    // Bundled CommonJS code calls require() for Node built-ins (yaml asks for 'process' and 'buffer'); an ES module has
    // no require, so each chunk gets Node's.
    banner: {
      js: "import { createRequire as __healthbenchRequire } from 'node:module';\nconst require = __healthbenchRequire(import.meta.url);",
    },
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    // Written below: esbuild will not overwrite its own input, dist/cli/main.js.
    write: false,
  });
  await removeOldChunks();
  const written: Array<{ file: string; bytes: number }> = [];
  for (const file of result.outputFiles) {
    await mkdir(dirname(file.path), { recursive: true });
    await writeFile(file.path, file.contents);
    written.push({ file: relative(ROOT, file.path), bytes: file.contents.byteLength });
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const files = await bundleCli();
  const kb = Math.round(files.reduce((n, f) => n + f.bytes, 0) / 1024);
  process.stdout.write(`bundled the CLI: ${files.length} files, ${kb} KB in dist/cli/\n`);
}
