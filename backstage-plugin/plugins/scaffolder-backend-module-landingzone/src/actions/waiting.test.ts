import { LandingZoneClient } from '../client/LandingZoneClient';
import type { ProgressEvent } from '../client/types';
import { FakeLandingZoneService } from '../testUtils/fakeLandingZoneService';
import { progressLine } from './progress';
import { timeoutError } from './timeout';
import { formatDuration, OutageWatch } from './waiting';

const at = '2026-12-02T12:02:24.000Z';

function waitingEvent(seq: number, step: string, system: string, attempts: number): ProgressEvent {
  return {
    seq,
    at,
    step,
    kind: 'waiting',
    message: `${step}: waiting for ${system} (attempt ${attempts}): HTTP 503; next attempt at 12:03:04Z`,
    data: { system, error: `${system}: HTTP 503`, attempts, next_attempt_at: '2026-12-02T12:03:04.000Z' },
  };
}

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [40, '40s'],
    [130, '2m 10s'],
    [600, '10m'],
    [3900, '1h 5m'],
    [7200, '2h'],
  ])('writes %p seconds as %p', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('progressLine for waits', () => {
  it('names the system, the error, the attempt and when the next attempt is', () => {
    expect(progressLine(waitingEvent(4, 'pipelines', 'jenkins', 2))).toBe(
      '[pipelines] waiting for jenkins (attempt 2): jenkins: HTTP 503; next attempt at 12:03:04Z (in 40s)',
    );
  });

  it("shows the service's own message when a wait comes without its data", () => {
    const event: ProgressEvent = { ...waitingEvent(4, 'notify', 'smtp', 1), data: {} };
    expect(progressLine(event)).toBe('[notify] waiting for smtp (attempt 1): HTTP 503; next attempt at 12:03:04Z');
  });
});

describe('timeoutError', () => {
  it('names what waits from the events when the service cannot be asked', async () => {
    const service = await FakeLandingZoneService.start();
    const client = new LandingZoneClient({ baseUrl: service.baseUrl, token: service.token });
    await service.stop();
    const outages = new OutageWatch();
    outages.observe(waitingEvent(5, 'repository', 'bitbucket', 1));
    outages.observe(waitingEvent(6, 'environment', 'bitbucket', 1));
    outages.observe(waitingEvent(7, 'repository', 'bitbucket', 2));
    outages.observe({ ...waitingEvent(8, 'environment', 'bitbucket', 2), kind: 'resumed', data: {} });

    const error = await timeoutError(client, 'lz_0001', 60, outages);

    expect(error.message).toBe(
      'Landing zone lz_0001 is still waiting on bitbucket after 60 minutes ' +
        '(repository: attempt 2, next at 12:03:04Z, last error: bitbucket: HTTP 503); ' +
        'it goes on in the Landing Zone service on its own once bitbucket answers again, ' +
        'and the requester gets an email with every link when it is ready',
    );
  });
});
