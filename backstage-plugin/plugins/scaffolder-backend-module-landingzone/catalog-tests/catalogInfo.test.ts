import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  type Entity,
  entitySchemaValidator,
  type KindValidator,
  locationEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import yaml from 'yaml';
import { createLandingZoneAction } from '../src/actions/create';
import { LandingZoneClient } from '../src/client/LandingZoneClient';

const REPO = resolve(__dirname, '..', '..', '..', '..');
const CATALOG = join(REPO, 'catalog-info');
const CLASSES = ['dotnet', 'java', 'web', 'mobile', 'backend'];
const validators: { [kind: string]: KindValidator } = {
  Component: componentEntityV1alpha1Validator,
  API: apiEntityV1alpha1Validator,
  Location: locationEntityV1alpha1Validator,
  Template: templateEntityV1beta3Validator,
};

type Json = { [key: string]: unknown };

function readEntities(path: string): Entity[] {
  return yaml.parseAllDocuments(readFileSync(path, 'utf8')).map(doc => doc.toJS() as Entity);
}

/** Resolves `$text` placeholders relative to the file, as the catalog does for URL locations. */
function resolvePlaceholders(value: unknown, base: string): unknown {
  if (Array.isArray(value)) return value.map(item => resolvePlaceholders(item, base));
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Json;
  if (typeof record.$text === 'string') {
    return readFileSync(join(base, record.$text), 'utf8');
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, resolvePlaceholders(v, base)]));
}

function locationTargets(): string[] {
  const [location] = readEntities(join(CATALOG, 'location.yaml'));
  return ((location?.spec?.targets ?? []) as string[]).map(target => join(CATALOG, target));
}

function template(classId: string): Json {
  const path = join(CATALOG, 'templates', `${classId}.yaml`);
  return resolvePlaceholders(readEntities(path)[0], dirname(path)) as Json;
}

function classParameters(classId: string): Json {
  const declared = yaml.parse(readFileSync(join(REPO, 'templates', classId, 'parameters.yaml'), 'utf8'));
  return (declared.parameters ?? {}) as Json;
}

function createStepInput(entity: Json): Json {
  const steps = (entity.spec as { steps: Array<{ action: string; input: Json }> }).steps;
  const step = steps.find(s => s.action === 'landingzone:create');
  if (!step) throw new Error('no landingzone:create step');
  return step.input;
}

describe('catalog-info', () => {
  it('registers every entity file through the Location, and each entity is valid for its kind', async () => {
    const files = [join(CATALOG, 'location.yaml'), ...locationTargets()];
    const kinds: string[] = [];
    for (const file of files) {
      for (const entity of readEntities(file)) {
        const resolved = resolvePlaceholders(entity, dirname(file)) as Entity;
        entitySchemaValidator()(resolved);
        await expect(validators[resolved.kind]?.check(resolved)).resolves.toBe(true);
        kinds.push(resolved.kind);
      }
    }
    expect(kinds.sort()).toEqual(['API', 'Component', 'Location', ...CLASSES.map(() => 'Template')]);
  });

  it('describes the API with the service\'s OpenAPI document', () => {
    const file = join(CATALOG, 'landing-zone.yaml');
    const api = readEntities(file).find(entity => entity.kind === 'API');
    const resolved = resolvePlaceholders(api, dirname(file)) as { spec: { definition: string } };
    const document = JSON.parse(resolved.spec.definition) as { openapi: string; paths: Json };
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v1/landing-zones', '/v1/landing-zones:preview', '/v1/classes']),
    );
  });

  it.each(CLASSES)('offers the %s class with exactly the parameters the service declares', classId => {
    const entity = template(classId);
    const pages = (entity.spec as { parameters: Array<{ properties?: Json }> }).parameters;
    const declared = classParameters(classId);
    const classPage = pages.find(page => Object.keys(page.properties ?? {}).some(key => key in declared));
    const shown = Object.fromEntries(
      Object.entries(classPage?.properties ?? {}).map(([key, schema]) => [
        key,
        Object.fromEntries(Object.entries(schema as Json).filter(([field]) => !field.startsWith('ui:'))),
      ]),
    );
    expect(shown).toEqual(declared);

    const input = createStepInput(entity);
    expect(input.class).toBe(classId);
    expect(input.parameters).toEqual(
      Object.fromEntries(Object.keys(declared).map(key => [key, `\${{ parameters.${key} }}`])),
    );
  });

  it('asks the same Component and Tenant pages in every template, offering only tenants that allow the class', () => {
    const pagesOf = (classId: string): unknown[] => (template(classId).spec as { parameters: unknown[] }).parameters;
    // The tenants offered differ by class: the platform configuration's `tenants.<t>.classes`.
    const withoutTenantChoice = (page: unknown): unknown => {
      const tenant = (page as { properties: { tenant: { [key: string]: unknown } } }).properties.tenant;
      const { enum: _offered, enumNames: _shown, ...rest } = tenant;
      return { ...(page as object), properties: { tenant: rest } };
    };
    const [first, ...others] = CLASSES.map(pagesOf);
    for (const pages of others) {
      expect(pages[0]).toEqual(first?.[0]);
      expect(withoutTenantChoice(pages[pages.length - 1])).toEqual(withoutTenantChoice(first?.[first.length - 1]));
    }
    const mobile = pagesOf('mobile');
    const offered = (mobile[mobile.length - 1] as { properties: { tenant: { enum: string[] } } }).properties.tenant.enum;
    expect(offered).toEqual(['labs']); // retail's classes leave mobile out
    expect((first?.[0] as { title: string }).title).toBe('Component');
    expect((first?.[first.length - 1] as { title: string }).title).toBe('Tenant');
  });

  it.each(CLASSES)('passes the %s template inputs the action knows, and leaves registration to the service', classId => {
    const action = createLandingZoneAction({
      client: new LandingZoneClient({ baseUrl: 'http://127.0.0.1:1', token: 'unused' }),
    });
    const schema = action.schema?.input as { properties: Json; required: string[] };
    const input = createStepInput(template(classId));
    expect(Object.keys(input).filter(key => !(key in schema.properties))).toEqual([]);
    expect(schema.required.filter(key => !(key in input))).toEqual([]);
    // The requester is the signed-in user; the step ends once an approval is asked for.
    expect(input.requester).toBeUndefined();
    expect(input.waitFor).toBe('approval-requested');

    const steps = (template(classId).spec as { steps: Array<{ action: string; input: Json }> }).steps;
    expect(steps.map(step => step.action)).toEqual(['landingzone:create']);
  });

  it.each(CLASSES)('shows each %s link only when it has a URL or an entity', classId => {
    const output = (template(classId).spec as { output: { links: Array<Record<string, string>> } }).output;
    for (const link of output.links) {
      const target = (link.url ?? link.entityRef ?? '').replace(/ \}\}$/, ' or false }}');
      // An `if` that renders to undefined is dropped by the scaffolder, which keeps the link.
      expect(link.if).toBe(target);
    }
  });
});
