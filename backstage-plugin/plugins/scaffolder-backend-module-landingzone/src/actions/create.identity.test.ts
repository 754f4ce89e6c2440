/** The create action names the signed-in user and blames the right credential. */
import { InputError, NotAllowedError } from '@backstage/errors';
import { ActionRun, actionFor, javaInput, jane } from '../testUtils/actionHarness';
import { FakeLandingZoneService } from '../testUtils/fakeLandingZoneService';

describe('landingzone:create', () => {
  let service: FakeLandingZoneService;

  beforeEach(async () => {
    service = await FakeLandingZoneService.start();
  });

  afterEach(async () => {
    await service.stop();
  });

  it('records the signed-in user even when the template passes another requester', async () => {
    const run = new ActionRun(actionFor(service), {
      ...javaInput,
      requester: { name: 'Mallory', email: 'mallory@example.com' },
    });
    await run.done;

    expect(service.creations[0]?.body).toMatchObject({
      requester: { name: 'Jane Doe', email: 'jane.doe@example.com' },
      on_behalf_of: 'user:default/jane.doe',
    });
    expect(run.logger.text()).toContain("The template's requester input is ignored");
  });

  it('fails in words when the task has no signed-in user', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, requester: '' }, { user: {} });

    await expect(run.done).rejects.toThrow(/This task has no signed-in user/);
    expect(service.received).toHaveLength(0);
  });

  it('takes the requester from the signed-in user when the template passes none', async () => {
    const { requester: _omitted, ...input } = javaInput;
    const run = new ActionRun(actionFor(service), input, {
      user: {
        entity: { ...jane, spec: { profile: { email: 'sam@example.com' }, memberOf: ['payments'] }, metadata: { name: 'sam' } },
      },
    });
    await run.done;

    expect(service.creations[0]?.body).toMatchObject({ requester: { name: 'sam', email: 'sam@example.com' } });
  });

  it('refuses a requester without an email before calling the service', async () => {
    const run = new ActionRun(actionFor(service), javaInput, {
      user: { entity: { ...jane, metadata: { name: 'robot' }, spec: {} }, ref: 'user:default/robot' },
    });

    await expect(run.done).rejects.toThrow(new InputError('requester: robot has no spec.profile.email in the catalog'));
    expect(service.received).toHaveLength(0);
  });

  it('fails with the rule when the signed-in user is not a member of the owner group', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, owner: 'group:default/finance' });

    await expect(run.done).rejects.toThrow(
      new NotAllowedError(
        'owner: user:default/jane.doe is not a member of the owner group group:default/finance: ' +
          'the requester must be a member of the owner group (X-On-Behalf-Of-Groups)',
      ),
    );
    expect(service.landingZones.count).toBe(0);
  });

  it('points at the configured token when it lacks the scope to create', async () => {
    service.lacksScope = 'landing-zones:create';
    const run = new ActionRun(actionFor(service), javaInput);

    await expect(run.done).rejects.toThrow(
      /refused the configured credentials \(403\): authorization: this credential lacks the scope landing-zones:create; check landingZone.token/,
    );
    await expect(run.done).rejects.not.toBeInstanceOf(NotAllowedError);
  });

  it('blames the configured token, not the form, when the service refuses it', async () => {
    const run = new ActionRun(actionFor(service, 'wrong-token'), javaInput);

    await expect(run.done).rejects.toThrow(/refused the configured credentials \(401\); check landingZone.token/);
    await expect(run.done).rejects.not.toBeInstanceOf(InputError);
  });
});
