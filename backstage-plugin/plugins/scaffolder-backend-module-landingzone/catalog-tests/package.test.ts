import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackageJson {
  private?: boolean;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as PackageJson;
const HOST_PACKAGES = ['@backstage/backend-plugin-api', '@backstage/plugin-scaffolder-node'];

describe('package.json, as an adopter installs it', () => {
  it('is publishable', () => {
    expect(pkg.private).toBeUndefined();
  });

  it.each(HOST_PACKAGES)('takes %s from the Backstage app as a caret-ranged peer, and tests against it', name => {
    expect(pkg.peerDependencies[name]).toMatch(/^\^\d+\.\d+\.\d+$/);
    expect(pkg.dependencies[name]).toBeUndefined();
    expect(pkg.devDependencies[name]).toBeDefined();
  });
});
