import { ConfigReader } from '@backstage/config';
import { InputError, NotAllowedError } from '@backstage/errors';
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

  describe('while a downstream system is down', () => {
    const bitbucketDown = {
      step: 'repository',
      system: 'bitbucket',
      error: 'bitbucket: create repository LABS/payments-api: HTTP 503: Service Unavailable',
    };
    const clock = '\\d\\d:\\d\\d:\\d\\dZ';

    it('logs each wait as a warning naming the system, the error, the attempt and the next attempt', async () => {
      service.landingZones.behaviour.outage = { ...bitbucketDown, failures: 3 };
      const run = new ActionRun(actionFor(service), javaInput);
      await run.done;

      const warnings = run.logger.lines.filter(line => line.level === 'warn').map(line => line.message);
      expect(warnings).toHaveLength(3);
      [10, 20, 40].forEach((seconds, index) => {
        expect(warnings[index]).toMatch(
          new RegExp(
            `^\\[repository\\] waiting for bitbucket \\(attempt ${index + 1}\\): ` +
              'bitbucket: create repository LABS/payments-api: HTTP 503: Service Unavailable; ' +
              `next attempt at ${clock} \\(in ${seconds}s\\)$`,
          ),
        );
      });
      expect(run.logger.lines).toContainEqual({
        level: 'info',
        message: '[repository] bitbucket answered again after 3 attempts (1m 10s)',
      });
      expect(run.outputs.status).toBe('completed');
      expect(run.outputs.repoUrl).toBe('http://bitbucket.test/projects/LABS/repos/payments-api/browse');
    });

    it('keeps the step running for as long as the landing zone waits', async () => {
      service.landingZones.behaviour.outage = { ...bitbucketDown, failures: Infinity };
      const run = new ActionRun(actionFor(service), javaInput);
      let finished = false;
      void run.done.then(() => (finished = true));

      await eventually(() => run.logger.text().includes('waiting for bitbucket (attempt 5)'), 'five waits');
      expect(finished).toBe(false);
      expect(service.landingZones.find('lz_0001')?.landingZone).toMatchObject({
        status: 'provisioning',
        waiting: [{ step: 'repository', system: 'bitbucket' }],
      });
      service.landingZones.endOutage('lz_0001');
      await run.done;

      expect(run.outputs.status).toBe('completed');
      expect(run.logger.text()).toMatch(/\[repository\] bitbucket answered again after \d+ attempts/);
      expect(run.logger.lines.filter(line => line.level === 'error')).toEqual([]);
    });

    it('says on timeout that the landing zone still waits on the system and goes on in the service', async () => {
      service.landingZones.behaviour.outage = { ...bitbucketDown, failures: Infinity };
      const run = new ActionRun(actionFor(service), { ...javaInput, timeoutMinutes: 0.002 });

      const error = (await run.done.catch(reason => reason)) as Error;
      expect(error.message).toMatch(
        new RegExp(
          '^Landing zone lz_0001 is still waiting on bitbucket after 0.002 minutes ' +
            `\\(repository: attempt \\d+, next at ${clock}, ` +
            'last error: bitbucket: create repository LABS/payments-api: HTTP 503: Service Unavailable\\); ' +
            'it goes on in the Landing Zone service on its own once bitbucket answers again, ' +
            'and the requester gets an email with every link when it is ready$',
        ),
      );
      expect(error.message).not.toMatch(/fail/i);
      expect(service.landingZones.find('lz_0001')?.landingZone.status).toBe('provisioning');
    });

    it('follows a wait by polling too, logging each event once', async () => {
      service.streamMode = 'unavailable';
      service.landingZones.behaviour.outage = { ...bitbucketDown, failures: 2 };
      const run = new ActionRun(actionFor(service), javaInput);
      await run.done;

      expect(run.outputs.status).toBe('completed');
      const events = service.landingZones.find('lz_0001')?.events ?? [];
      const waits = events.filter(event => event.kind === 'waiting' || event.kind === 'resumed');
      expect(waits.map(event => event.kind)).toEqual(['waiting', 'waiting', 'resumed']);
      for (const event of waits) {
        expect(run.logger.messages.filter(m => m === progressLine(event))).toHaveLength(1);
      }
    });
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
