/** The create action while the service waits out a downstream outage. */
import { ActionRun, actionFor, javaInput } from '../testUtils/actionHarness';
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
});
