import { ResponseError } from '@backstage/errors';
import type { Entity } from '@backstage/catalog-model';
import type { LandingZoneApi } from '../api/LandingZoneApi';
import type { LandingZone, LandingZoneStatus, ProjectClass, Step, TemplateUpdate } from '../api/types';

const STEPS = ['plan', 'approve', 'render', 'repository', 'environment', 'pipelines', 'record', 'notify'];
const T0 = '2026-11-30T09:00:00Z';

export function steps(statuses: Partial<Record<string, Step['status']>>, fallback: Step['status'] = 'succeeded'): Step[] {
  return STEPS.map(name => ({ name, status: statuses[name] ?? fallback, attempts: 1 }));
}

export const BITBUCKET = 'https://bitbucket.example.com';
export const completedLinks = {
  repository: `${BITBUCKET}/projects/LABS/repos/orders-api/browse`,
  clone: `${BITBUCKET}/scm/labs/orders-api.git`,
  catalog_info: `${BITBUCKET}/projects/LABS/repos/orders-api/browse/catalog-info.yaml`,
  environment_repository: `${BITBUCKET}/projects/LABS/repos/orders-api-env/browse`,
  build_pipeline: 'https://jenkins.example.com/job/labs/job/orders-api/job/build/',
  promote_pipeline: 'https://jenkins.example.com/job/labs/job/orders-api/job/promote/',
  approval: 'https://snow.example.com/sc_req_item.do?sys_id=r1',
  request_number: 'RITM0010001',
  catalog_entity: 'https://backstage.example.com/catalog/default/component/orders-api',
};

export function landingZone(status: LandingZoneStatus, changes: Partial<LandingZone> = {}): LandingZone {
  return {
    id: 'lz_0001',
    name: 'orders-api',
    class: 'java',
    tenant: 'labs',
    owner: 'group:default/payments',
    status,
    created_at: T0,
    updated_at: T0,
    steps: steps({ approve: 'skipped' }),
    links: completedLinks,
    error: null,
    waiting: [],
    template_version: '1.0.0',
    promotions: [],
    ...changes,
  };
}

/** A landing zone in each status, as the service reports it. */
export const BY_STATUS: Record<LandingZoneStatus, LandingZone> = {
  completed: landingZone('completed'),
  pending_approval: landingZone('pending_approval', {
    steps: steps({ plan: 'succeeded', approve: 'running' }, 'pending'),
    links: { approval: completedLinks.approval, request_number: 'RITM0010002' },
    template_version: null,
  }),
  provisioning: landingZone('provisioning', {
    steps: steps({ plan: 'succeeded', approve: 'skipped', render: 'succeeded', repository: 'running' }, 'pending'),
    links: { approval: completedLinks.approval, request_number: 'RITM0010001' },
  }),
  failed: landingZone('failed', {
    steps: steps({ pipelines: 'failed', record: 'pending', notify: 'pending', approve: 'skipped' }),
    error: { step: 'pipelines', message: 'jenkins: folder labs is read-only' },
  }),
  rejected: landingZone('rejected', {
    steps: steps({ plan: 'succeeded', approve: 'failed' }, 'pending'),
    links: { approval: completedLinks.approval, request_number: 'RITM0010003' },
    template_version: null,
  }),
  cancelled: landingZone('cancelled', { steps: steps({ plan: 'succeeded', approve: 'skipped' }, 'skipped') }),
};

export const javaClass: ProjectClass = { id: 'java', title: 'Java service', version: '1.0.1' };

export function entity(annotations: Record<string, string> = { 'landingzone.io/id': 'lz_0001' }): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'orders-api', annotations },
    spec: { type: 'service', lifecycle: 'experimental', owner: 'group:default/payments' },
  };
}

/** What the landing-zone backend answers a refusal with: Backstage's error body. */
export function refusalResponse(status: number, name: string, message: string) {
  const body = JSON.stringify({ error: { name, message }, request: { method: 'POST', url: '/' }, response: { statusCode: status } });
  return {
    ok: false,
    status,
    statusText: name,
    url: 'http://backstage.example.com/api/landing-zone',
    headers: { get: (header: string) => (header.toLowerCase() === 'content-type' ? 'application/json' : null) },
    text: async () => body,
  };
}

export async function refusal(status: number, name: string, message: string): Promise<ResponseError> {
  return ResponseError.fromResponse(refusalResponse(status, name, message) as unknown as Response);
}

export type FakeApi = jest.Mocked<LandingZoneApi>;

export function fakeApi(first: LandingZone, updates: TemplateUpdate[] = []): FakeApi {
  return {
    getLandingZone: jest.fn().mockResolvedValue(first),
    getUpdates: jest.fn().mockResolvedValue(updates),
    getClass: jest.fn().mockResolvedValue(javaClass),
    retry: jest.fn().mockResolvedValue(first),
    requestUpdate: jest.fn(),
  };
}
