import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint, type TemplateAction } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { jane, javaInput } from './testUtils/actionHarness';
import { FakeLandingZoneService } from './testUtils/fakeLandingZoneService';
import landingZoneModule from './index';

describe('scaffolder module landingzone', () => {
  it('adds landingzone:create, talking to the service that app-config names', async () => {
    const service = await FakeLandingZoneService.start();
    const added: TemplateAction[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [scaffolderActionsExtensionPoint, { addActions: (...actions: TemplateAction[]) => added.push(...actions) }],
      ],
      features: [
        landingZoneModule,
        mockServices.rootConfig.factory({
          data: { landingZone: { baseUrl: service.baseUrl, token: service.token } },
        }),
      ],
    });
    try {
      expect(added.map(action => action.id)).toEqual(['landingzone:create']);
      await added[0]?.handler(createMockActionContext({ input: javaInput, user: { entity: jane, ref: 'user:default/jane.doe' } }));
      expect(service.landingZones.find('lz_0001')?.landingZone.status).toBe('completed');
    } finally {
      await backend.stop();
      await service.stop();
    }
  });
});
