// Bundles the card's dev page with esbuild into e2e-dist/app, which the test backend serves.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', '..', 'e2e-dist', 'app');
await mkdir(out, { recursive: true });
// js-yaml's ES module has no default export, which core-components imports (webpack lets it
// through); its CommonJS build has one.
const commonJsYaml = {
  name: 'js-yaml-cjs',
  setup(b) {
    b.onResolve({ filter: /^js-yaml$/ }, args => ({ path: createRequire(args.importer).resolve('js-yaml') }));
  },
};
const started = Date.now();
await build({
  entryPoints: [join(here, 'index.tsx')],
  outfile: join(out, 'bundle.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  jsx: 'automatic',
  minify: true,
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
  loader: { '.svg': 'dataurl', '.png': 'dataurl', '.woff': 'dataurl', '.woff2': 'dataurl' },
  plugins: [commonJsYaml],
  logLevel: 'warning',
});
await copyFile(join(here, 'index.html'), join(out, 'index.html'));
process.stdout.write(`dev page bundled in ${Date.now() - started} ms\n`);
