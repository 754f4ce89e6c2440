import { ConfigReader } from '@backstage/config';
import { InputError } from '@backstage/errors';
import { ScmIntegrations } from '@backstage/integration';
import { ActionRun, actionFor, javaInput, jane } from '../testUtils/actionHarness';
import { FakeLandingZoneService } from '../testUtils/fakeLandingZoneService';
import { eventually } from '../testUtils/recordingLogger';
import { progressLine } from './progress';

describe('landingzone:create', () => {
  let service: FakeLandingZoneService;

  beforeEach(async () => {
    service = await FakeLandingZoneService.start();
  });

  afterEach(async () => {
    await service.stop();
  });

  it('creates a landing zone and outputs the links of everything it made', async () => {
    const run = new ActionRun(actionFor(service), javaInput);
    await run.done;

    expect(service.landingZones.count).toBe(1);
    const [creation] = service.creations;
    expect(creation?.body).toEqual({
      name: 'payments-api',
      class: 'java',
      owner: 'group:default/payments',
      description: 'Payments REST API',
      tenant: 'labs',
      system: 'payments',
      requester: { name: 'Jane Doe', email: 'jane.doe@example.com' },
      on_behalf_of: 'user:default/jane.doe',
      parameters: { javaVersion: 21 },
    });
    expect(run.outputs).toEqual({
      landingZoneId: 'lz_0001',
      status: 'completed',
      repoUrl: 'http://bitbucket.test/projects/LABS/repos/payments-api/browse',
      repoContentsUrl: 'http://bitbucket.test/projects/LABS/repos/payments-api/browse?at=refs%2Fheads%2Fmain',
      catalogInfoUrl:
        'http://bitbucket.test/projects/LABS/repos/payments-api/browse/catalog-info.yaml?at=refs%2Fheads%2Fmain',
      cloneUrl: 'http://bitbucket.test/scm/labs/payments-api.git',
      environmentRepoUrl: 'http://bitbucket.test/projects/LABS/repos/payments-api-env/browse',
      buildPipelineUrl: 'http://jenkins.test/job/labs/job/payments-api/job/build/',
      promotePipelineUrl: 'http://jenkins.test/job/labs/job/payments-api/job/promote/',
      entityRef: 'component:default/payments-api',
    });
  });

  it('names the signed-in user and their groups in the on-behalf-of headers', async () => {
    const member = {
      ...jane,
      relations: [{ type: 'memberOf', targetRef: 'group:default/payments' }],
      spec: { ...jane.spec, memberOf: ['payments', 'platform'] },
    };
    const run = new ActionRun(actionFor(service), javaInput, {
      user: { entity: member, ref: 'user:default/jane.doe' },
    });
    await run.done;

    const [creation] = service.creations;
    expect(creation?.headers['x-on-behalf-of']).toBe('user:default/jane.doe');
    expect(creation?.headers['x-on-behalf-of-groups']).toBe('group:default/payments,group:default/platform');
    expect(creation?.body).toMatchObject({ on_behalf_of: 'user:default/jane.doe' });
  });

  it('sends the same headers with a dry run, so the preview checks the same entitlements', async () => {
    const run = new ActionRun(actionFor(service), javaInput, { isDryRun: true });
    await run.done;

    const [preview] = service.received;
    expect(preview?.path).toBe('/v1/landing-zones:preview');
    expect(preview?.headers['x-on-behalf-of']).toBe('user:default/jane.doe');
    expect(preview?.headers['x-on-behalf-of-groups']).toBe('group:default/payments,group:default/retail-web');
  });

  it('hands catalog:register a repoContentsUrl that resolves to the catalog-info.yaml link', async () => {
    const run = new ActionRun(actionFor(service), javaInput);
    await run.done;

    const integrations = ScmIntegrations.fromConfig(
      new ConfigReader({
        integrations: {
          bitbucketServer: [{ host: 'bitbucket.test', apiBaseUrl: 'http://bitbucket.test/rest/api/1.0' }],
        },
      }),
    );
    const base = run.outputs.repoContentsUrl as string;
    const resolved = integrations.byUrl(base)?.resolveUrl({ base, url: '/catalog-info.yaml' });
    expect(resolved).toBe(run.outputs.catalogInfoUrl);
  });

  it('writes every service event into the task log once, in order, prefixed with its step', async () => {
    const run = new ActionRun(actionFor(service), javaInput);
    await run.done;

    const events = service.landingZones.find('lz_0001')?.events ?? [];
    const expected = events.map(progressLine);
    const logged = run.logger.messages.filter(m => expected.includes(m));
    expect(logged).toEqual(expected);
    expect(logged).toContain('[repository] done');
    expect(logged).toContain('[plan] started');
  });

  it('logs progress while the landing zone is still waiting, not only at the end', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, tenant: 'retail', waitFor: 'completed' });
    let finished = false;
    void run.done.then(() => (finished = true));

    await eventually(() => run.logger.text().includes('ServiceNow request RITM0010001 opened'), 'approval log line');
    expect(finished).toBe(false);
    service.landingZones.decide('lz_0001', true);
    await run.done;

    expect(run.outputs.status).toBe('completed');
    expect(run.outputs.approvalUrl).toContain('RITM0010001');
    expect(run.outputs.requestNumber).toBe('RITM0010001');
  });

  it('returns as soon as approval is requested when waitFor is approval-requested', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, tenant: 'retail', waitFor: 'approval-requested' });
    await run.done;

    expect(run.outputs).toMatchObject({ landingZoneId: 'lz_0001', status: 'pending_approval' });
    expect(run.outputs.approvalUrl).toContain('RITM0010001');
    expect(run.outputs.repoUrl).toBeUndefined();
    expect(service.landingZones.find('lz_0001')?.landingZone.status).toBe('pending_approval');
  });

  it('sends an idempotency key derived from the task and the step', async () => {
    const run = new ActionRun(actionFor(service), javaInput, { taskId: 'a1b2c3' });
    await run.done;

    expect(service.creations[0]?.headers['idempotency-key']).toBe('backstage:a1b2c3:landing-zone');
  });

  it('yields one landing zone when a task is retried without its checkpoints', async () => {
    const first = new ActionRun(actionFor(service), javaInput, { taskId: 'task-retry' });
    await first.done;
    const second = new ActionRun(actionFor(service), javaInput, { taskId: 'task-retry' });
    await second.done;

    expect(service.creations).toHaveLength(2);
    expect(service.landingZones.count).toBe(1);
    expect(second.outputs.landingZoneId).toBe(first.outputs.landingZoneId);
  });

  it('does not submit again when a recovered task finds its checkpoint', async () => {
    const checkpoints = new Map<string, unknown>();
    const first = new ActionRun(actionFor(service), javaInput, { taskId: 'task-recovered', checkpoints });
    await first.done;
    const recovered = new ActionRun(actionFor(service), javaInput, { taskId: 'task-recovered', checkpoints });
    await recovered.done;

    expect(service.creations).toHaveLength(1);
    expect(recovered.outputs.landingZoneId).toBe('lz_0001');
    expect(recovered.outputs.status).toBe('completed');
  });

  it('creates separate landing zones for separate tasks', async () => {
    await new ActionRun(actionFor(service), javaInput, { taskId: 'task-a' }).done;
    await new ActionRun(actionFor(service), { ...javaInput, name: 'orders-api' }, { taskId: 'task-b' }).done;

    expect(service.landingZones.count).toBe(2);
  });

  it('turns a rejected field into an InputError that names the field', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, parameters: { javaVersion: 8 } });

    await expect(run.done).rejects.toThrow(InputError);
    await expect(run.done).rejects.toThrow('javaVersion: must be one of 17, 21');
    expect(service.landingZones.count).toBe(0);
  });

  it('names every rejected field', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, name: 'Payments API', tenant: 'moon' });

    await expect(run.done).rejects.toThrow(/name: must be lower-case.*tenant: unknown tenant/);
  });

  it('fails the task with the reason the service gives for a failed landing zone', async () => {
    service.landingZones.behaviour.failAt = { step: 'pipelines', reason: 'Jenkins folder labs is read-only' };
    const run = new ActionRun(actionFor(service), javaInput);

    await expect(run.done).rejects.toThrow('Landing zone lz_0001 failed: Jenkins folder labs is read-only');
    expect(run.outputs.repoUrl).toBe('http://bitbucket.test/projects/LABS/repos/payments-api/browse');
    expect(run.logger.lines).toContainEqual({ level: 'warn', message: '[pipelines] Jenkins folder labs is read-only' });
  });

  it('fails the task with the approver’s reason when the request is rejected', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, tenant: 'retail', waitFor: 'completed' });
    await eventually(() => service.landingZones.find('lz_0001')?.landingZone.status === 'pending_approval', 'approval');
    service.landingZones.decide('lz_0001', false);

    await expect(run.done).rejects.toThrow('Landing zone lz_0001 rejected: Rejected by retail-change-board: no budget code');
  });

  it('fails with a timeout that says where the landing zone stands', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, tenant: 'retail', waitFor: 'completed', timeoutMinutes: 0.002 });

    await expect(run.done).rejects.toThrow(
      /Landing zone lz_0001 is still pending_approval after 0.002 minutes; it goes on in the Landing Zone service \(http:\/\/servicenow\.test\/.*RITM0010001\)/,
    );
  });

  it('polls for progress when the event stream is unavailable', async () => {
    service.streamMode = 'unavailable';
    const run = new ActionRun(actionFor(service), javaInput);
    await run.done;

    expect(run.outputs.status).toBe('completed');
    expect(run.logger.text()).toContain('polling instead');
    expect(service.received.some(r => r.path === '/v1/landing-zones/lz_0001/events')).toBe(true);
    const events = service.landingZones.find('lz_0001')?.events ?? [];
    for (const event of events) {
      const line = progressLine(event);
      expect(run.logger.messages.filter(m => m === line)).toHaveLength(1);
    }
  });

  it('picks up after the last event it saw when the stream closes early', async () => {
    service.streamMode = 'closes-after-first-event';
    const run = new ActionRun(actionFor(service), javaInput);
    await run.done;

    expect(run.outputs.status).toBe('completed');
    const events = service.landingZones.find('lz_0001')?.events ?? [];
    const logged = run.logger.messages.filter(m => events.map(progressLine).includes(m));
    expect(logged).toHaveLength(events.length);
    const resumed = service.received.filter(r => r.path.endsWith('/events/stream')).slice(1);
    expect(resumed[0]?.headers['last-event-id']).toBe('1');
  });

  it('previews in a dry run: logs the file tree and creates nothing', async () => {
    const run = new ActionRun(actionFor(service), javaInput, { isDryRun: true });
    await run.done;

    expect(service.landingZones.count).toBe(0);
    expect(service.received.map(r => r.path)).toEqual(['/v1/landing-zones:preview']);
    expect(run.logger.messages).toContain('Repository: LABS/payments-api');
    expect(run.logger.messages).toContain('Build pipeline: labs/payments-api/build');
    expect(run.logger.text()).toContain(
      'Repository files:\nsrc/\n  main/\n    java/\n      payments-api/\n        App.java\nDockerfile\nJenkinsfile\nREADME.md\ncatalog-info.yaml',
    );
    expect(run.outputs).toEqual({ landingZoneId: 'dry-run', status: 'dry_run' });
  });

  it('reports invalid input in a dry run too', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, class: 'cobol' }, { isDryRun: true });

    await expect(run.done).rejects.toThrow(new InputError('class: must be one of dotnet, java, web, mobile, backend'));
  });

  it('ends the step by default once the approval is requested, holding no worker', async () => {
    const run = new ActionRun(actionFor(service), { ...javaInput, tenant: 'retail' });
    await run.done;

    expect(run.outputs).toMatchObject({ status: 'pending_approval', requestNumber: 'RITM0010001' });
    expect(run.outputs.repoUrl).toBeUndefined();
    expect(run.logger.text()).toMatch(/waits for approval: http:\/\/servicenow\.test\/.*This task ends here/);
  });
});
