import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { entitySchemaValidator } from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import yaml from 'yaml';
import { createLandingZoneAction } from '../src/actions/create';
import { LandingZoneClient } from '../src/client/LandingZoneClient';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const action = createLandingZoneAction({
  client: new LandingZoneClient({ baseUrl: 'http://127.0.0.1:1', token: 'unused' }),
});

function tableNames(heading: string): string[] {
  const section = readme.split(`### ${heading}\n`)[1]?.split('\n### ')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)`(?:, `([^`]+)`)? \|/gm)].flatMap(m => [m[1], m[2]]).filter(
    (name): name is string => Boolean(name),
  );
}

describe('README, as a template author reads it', () => {
  it('shows an example template the catalog accepts', async () => {
    const [, block] = readme.match(/```yaml\n(apiVersion: scaffolder[\s\S]*?)```/) ?? [];
    const entity = yaml.parse(block ?? '');
    entitySchemaValidator()(entity);
    await expect(templateEntityV1beta3Validator.check(entity)).resolves.toBe(true);
  });

  it('documents every input and output of the action', () => {
    const inputs = Object.keys((action.schema?.input as { properties: object }).properties);
    const outputs = Object.keys((action.schema?.output as { properties: object }).properties);
    expect(tableNames('Inputs').sort()).toEqual(inputs.sort());
    expect(tableNames('Outputs').filter(name => outputs.includes(name)).sort()).toEqual(outputs.sort());
  });

  it.each(['completed', 'pending_approval', 'dry_run', 'dry_run_approval_required'])(
    'explains the status %s',
    status => {
      expect(readme).toMatch(new RegExp(`^\\| \`${status}\` \\|`, 'm'));
    },
  );
});
