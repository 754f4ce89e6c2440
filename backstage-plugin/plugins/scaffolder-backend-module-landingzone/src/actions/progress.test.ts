import { fileTree } from './progress';

describe('fileTree', () => {
  it('nests files under their folders, folders first, each level sorted', () => {
    expect(fileTree(['README.md', 'src/app.ts', 'src/lib/util.ts', '.github/ci.yml', 'Dockerfile'])).toEqual([
      '.github/',
      '  ci.yml',
      'src/',
      '  lib/',
      '    util.ts',
      '  app.ts',
      'Dockerfile',
      'README.md',
    ]);
  });
});
