import { LandingZoneClient } from './LandingZoneClient';
import { reasonOf } from './errors';
import { ResponseError } from '@backstage/errors';
import { refusalResponse } from '../testUtils/landingZones';

const BASE = 'https://backstage.example.com/api/landing-zone';

function client(answer: () => Promise<unknown>) {
  const calls: Array<{ url: string; init?: RequestInit }> = [];
  const fetchApi = {
    fetch: async (url: string, init?: RequestInit) => {
      calls.push({ url, init });
      return answer();
    },
  };
  const discoveryApi = { getBaseUrl: async (pluginId: string) => `https://backstage.example.com/api/${pluginId}` };
  return { calls, client: new LandingZoneClient({ discoveryApi, fetchApi: fetchApi as never }) };
}

const ok = (body: unknown) => async () => ({ ok: true, status: 200, json: async () => body });

describe('LandingZoneClient', () => {
  it("reads through the landing-zone backend plugin, with the user's fetch and no token of its own", async () => {
    const { calls, client: api } = client(ok({ items: [] }));

    await api.getUpdates('lz_0001');
    await api.requestUpdate('lz_0001', '1.0.1');
    await api.retry('lz/../x');

    expect(calls.map(c => [c.init?.method, c.url, c.init?.body])).toEqual([
      ['GET', `${BASE}/landing-zones/lz_0001/updates`, undefined],
      ['POST', `${BASE}/landing-zones/lz_0001/updates`, '{"version":"1.0.1"}'],
      ['POST', `${BASE}/landing-zones/lz%2F..%2Fx/retry`, undefined],
    ]);
    expect(calls.every(c => !JSON.stringify(c.init?.headers ?? {}).includes('Authorization'))).toBe(true);
  });

  it('turns a refusal into an error carrying the reason the service gave', async () => {
    const { client: api } = client(async () =>
      refusalResponse(409, 'ConflictError', 'landing zone lz_0001 is completed: nothing to retry'),
    );

    const refused = await api.retry('lz_0001').catch(error => error);

    expect(refused).toBeInstanceOf(ResponseError);
    expect(refused.statusCode).toBe(409);
    expect(reasonOf(refused)).toBe('landing zone lz_0001 is completed: nothing to retry');
  });
});
