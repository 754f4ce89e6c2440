// Jest transform: esbuild turns TypeScript, JSX and the ES modules Backstage's frontend
// packages ship into CommonJS for Jest, in milliseconds a file. Types are checked by tsc.
const { transformSync } = require('esbuild');

const LOADERS = { '.tsx': 'tsx', '.ts': 'ts', '.jsx': 'jsx', '.mjs': 'js', '.js': 'js', '.cjs': 'js' };

module.exports = {
  process(source, filename) {
    const extension = Object.keys(LOADERS).find(ext => filename.endsWith(ext)) ?? '.js';
    const { code, map } = transformSync(source, {
      loader: LOADERS[extension],
      format: 'cjs',
      target: 'node20',
      jsx: 'automatic',
      sourcemap: true,
      sourcefile: filename,
      supported: { 'dynamic-import': false },
    });
    return { code, map };
  },
};
