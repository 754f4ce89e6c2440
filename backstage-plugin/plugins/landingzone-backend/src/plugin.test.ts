import { mockCredentials, mockServices, startTestBackend, type TestBackend } from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type { AddressInfo } from 'node:net';
import { FakeService } from './testUtils/fakeService';
import landingZonePlugin from './index';

const TOKEN = 'lz-backstage-secret';
const JANE = 'user:default/jane.doe';
const jane: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'jane.doe', namespace: 'default' },
  spec: { memberOf: ['payments', 'platform'] },
  relations: [
    { type: 'memberOf', targetRef: 'group:default/payments' },
    { type: 'memberOf', targetRef: 'group:default/platform' },
    { type: 'ownerOf', targetRef: 'component:default/orders-api' },
  ],
};
const LANDING_ZONE = { id: 'lz_0001', name: 'orders-api', status: 'completed', links: {} };

describe('landing-zone backend plugin', () => {
  let service: FakeService;
  let backend: TestBackend;
  let base: string;

  beforeEach(async () => {
    service = await FakeService.start();
    backend = await startTestBackend({
      features: [
        landingZonePlugin,
        catalogServiceMock.factory({ entities: [jane] }),
        mockServices.rootConfig.factory({ data: { landingZone: { baseUrl: service.baseUrl, token: TOKEN } } }),
      ],
    });
    base = `http://127.0.0.1:${(backend.server.address() as AddressInfo).port}/api/landing-zone`;
  });

  afterEach(async () => {
    await backend.stop();
    await service.stop();
  });

  function asJane(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = { Authorization: mockCredentials.user.header(JANE), ...(init.headers as object) };
    return fetch(`${base}${path}`, { ...init, headers });
  }

  it("reads a landing zone with the backend's credential, naming Jane and her catalog groups", async () => {
    service.answer('GET', '/v1/landing-zones/lz_0001', 200, LANDING_ZONE);

    const response = await asJane('/landing-zones/lz_0001');

    expect(response.status).toBe(200);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual(LANDING_ZONE);
    expect(text).not.toContain(TOKEN);
    const [sent] = service.requests;
    expect(sent?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent?.headers['x-on-behalf-of']).toBe(JANE);
    expect(sent?.headers['x-on-behalf-of-groups']).toBe('group:default/payments,group:default/platform');
  });

  it("passes the service's refusal on with its reason", async () => {
    service.answer('POST', '/v1/landing-zones/lz_0001/retry', 403, {
      detail: [{ loc: ['header', 'authorization'], msg: 'this credential lacks the scope landing-zones:operate', type: 'forbidden' }],
    });

    const response = await asJane('/landing-zones/lz_0001/retry', { method: 'POST' });

    expect(response.status).toBe(403);
    const body = await response.json();
    expect(body.error.message).toBe('this credential lacks the scope landing-zones:operate');
  });

  it('serves signed-in users only, and asks the service nothing otherwise', async () => {
    const badToken = await fetch(`${base}/landing-zones/lz_0001`, {
      headers: { Authorization: mockCredentials.user.invalidHeader() },
    });
    const asService = await fetch(`${base}/landing-zones/lz_0001`, {
      headers: { Authorization: mockCredentials.service.header() },
    });

    expect(badToken.status).toBe(401);
    expect(asService.status).toBe(403);
    expect(service.requests).toEqual([]);
  });

  it('forwards only the routes the card needs', async () => {
    const cancel = await asJane('/landing-zones/lz_0001/cancel', { method: 'POST' });
    const list = await asJane('/landing-zones');
    const traversal = await asJane('/landing-zones/..%2Fclasses');

    expect([cancel.status, list.status, traversal.status]).toEqual([404, 404, 400]);
    expect(service.requests).toEqual([]);
  });

  it('asks for a template update with a version or none, and refuses anything else', async () => {
    service.answer('POST', '/v1/landing-zones/lz_0001/updates', 202, { id: 'upd_1', status: 'pending' });
    const post = (body: unknown) =>
      asJane('/landing-zones/lz_0001/updates', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });

    const latest = await post({});
    const pinned = await post({ version: '1.1.0' });
    const junk = await post({ version: '1.1.0', branch: 'main' });

    expect([latest.status, pinned.status, junk.status]).toEqual([202, 202, 400]);
    expect(service.requests.map(r => JSON.parse(r.body))).toEqual([{}, { version: '1.1.0' }]);
  });

  it("gives a class's latest template version", async () => {
    service.answer('GET', '/v1/classes', 200, {
      classes: [{ id: 'java', title: 'Java service', description: '', parameters: {}, version: '1.1.0' }],
    });

    const java = await asJane('/classes/java');
    const cobol = await asJane('/classes/cobol');

    expect(await java.json()).toEqual({ id: 'java', title: 'Java service', version: '1.1.0' });
    expect(cobol.status).toBe(404);
  });

  it('says the service did not answer when it is down', async () => {
    await backend.stop();
    const down = await startTestBackend({
      features: [
        landingZonePlugin,
        catalogServiceMock.factory({ entities: [jane] }),
        mockServices.rootConfig.factory({ data: { landingZone: { baseUrl: 'http://127.0.0.1:1', token: TOKEN } } }),
      ],
    });
    backend = down;
    base = `http://127.0.0.1:${(down.server.address() as AddressInfo).port}/api/landing-zone`;

    const response = await asJane('/landing-zones/lz_0001');

    expect(response.status).toBe(503);
    expect((await response.json()).error.message).toMatch(/did not answer/);
  });
});
