import yaml from 'yaml';
import { ActionRun, actionFor, type ActionInput } from '../testUtils/actionHarness';
import { FakeLandingZoneService } from '../testUtils/fakeLandingZoneService';
import { examples } from './create.examples';

interface ExampleStep {
  id: string;
  action: string;
  input: { [key: string]: unknown };
}

/** The example's landingzone:create input; the harness signs Jane in as the task's user. */
function landingZoneInput(example: string): ActionInput {
  const { steps } = yaml.parse(example) as { steps: ExampleStep[] };
  const step = steps.find(s => s.action === 'landingzone:create');
  if (!step) {
    throw new Error('example has no landingzone:create step');
  }
  return { ...step.input } as ActionInput;
}

describe('landingzone:create examples', () => {
  let service: FakeLandingZoneService;

  beforeEach(async () => {
    service = await FakeLandingZoneService.start();
  });

  afterEach(async () => {
    await service.stop();
  });

  it('creates what the first example asks for, for the signed-in user, with no catalog:register step', async () => {
    const example = examples[0]?.example ?? '';
    const run = new ActionRun(actionFor(service), landingZoneInput(example));
    await run.done;

    expect(run.outputs).toMatchObject({ status: 'completed', entityRef: 'component:default/payments-api' });
    const actions = (yaml.parse(example) as { steps: ExampleStep[] }).steps.map(step => step.action);
    expect(actions).toEqual(['landingzone:create']);
    expect(service.creations[0]?.body).toMatchObject({ on_behalf_of: 'user:default/jane.doe' });
  });

  it('ends the second example once the ServiceNow request is open', async () => {
    const run = new ActionRun(actionFor(service), landingZoneInput(examples[1]?.example ?? ''));
    await run.done;

    expect(run.outputs).toMatchObject({ status: 'pending_approval', requestNumber: 'RITM0010001' });
    expect(service.creations[0]?.body).toMatchObject({ tenant: 'retail', class: 'web', name: 'branch-locator' });
  });

  it('rides out a Jenkins outage in the third example and says so in the task log', async () => {
    service.landingZones.behaviour.outage = {
      step: 'pipelines',
      system: 'jenkins',
      error: 'jenkins: create folder labs/card-ledger: timed out',
      failures: 2,
    };
    const run = new ActionRun(actionFor(service), landingZoneInput(examples[2]?.example ?? ''));
    await run.done;

    expect(run.outputs).toMatchObject({ status: 'completed', buildPipelineUrl: expect.stringContaining('card-ledger') });
    const warnings = run.logger.lines.filter(line => line.level === 'warn').map(line => line.message);
    expect(warnings).toEqual([
      expect.stringMatching(/^\[pipelines\] waiting for jenkins \(attempt 1\): jenkins: create folder labs\/card-ledger: timed out; next attempt at/),
      expect.stringMatching(/^\[pipelines\] waiting for jenkins \(attempt 2\)/),
    ]);
    expect(run.logger.messages).toContain('[pipelines] jenkins answered again after 2 attempts (30s)');
  });
});
