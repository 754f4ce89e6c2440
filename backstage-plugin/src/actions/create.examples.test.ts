import yaml from 'yaml';
import { ActionRun, actionFor, type ActionInput, jane } from '../testUtils/actionHarness';
import { FakeLandingZoneService } from '../testUtils/fakeLandingZoneService';
import { examples } from './create.examples';

interface ExampleStep {
  id: string;
  action: string;
  input: { [key: string]: unknown };
}

/** The example's landingzone:create input, with `${{ user.entity }}` filled in as the scaffolder would. */
function landingZoneInput(example: string): ActionInput {
  const { steps } = yaml.parse(example) as { steps: ExampleStep[] };
  const step = steps.find(s => s.action === 'landingzone:create');
  if (!step) {
    throw new Error('example has no landingzone:create step');
  }
  const input = { ...step.input };
  if (input.requester === '${{ user.entity }}') {
    input.requester = jane;
  }
  return input as ActionInput;
}

describe('landingzone:create examples', () => {
  let service: FakeLandingZoneService;

  beforeEach(async () => {
    service = await FakeLandingZoneService.start();
  });

  afterEach(async () => {
    await service.stop();
  });

  it('registers what the first example creates: its repoContentsUrl feeds catalog:register', async () => {
    const example = examples[0]?.example ?? '';
    const run = new ActionRun(actionFor(service), landingZoneInput(example));
    await run.done;

    expect(run.outputs.status).toBe('completed');
    const register = (yaml.parse(example) as { steps: ExampleStep[] }).steps[1];
    expect(register?.action).toBe('catalog:register');
    expect(register?.input.repoContentsUrl).toBe("${{ steps['landing-zone'].output.repoContentsUrl }}");
    expect(run.outputs.repoContentsUrl).toBe(
      'http://bitbucket.test/projects/LABS/repos/payments-api/browse?at=refs%2Fheads%2Fmain',
    );
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
