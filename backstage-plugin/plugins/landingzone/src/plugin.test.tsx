import { createExtensionTester, renderInTestApp } from '@backstage/frontend-test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { screen } from '@testing-library/react';
import { landingZoneApiRef } from './api/LandingZoneApi';
import { landingZoneEntityCard } from './plugin';
import { BY_STATUS, entity, fakeApi } from './testUtils/landingZones';
import landingZonePlugin from './index';

describe('the landing-zone frontend plugin', () => {
  it('puts the card on entities with a landingzone.io/id annotation only', () => {
    const filter = createExtensionTester(landingZoneEntityCard).get(EntityCardBlueprint.dataRefs.filterFunction);

    expect(filter?.(entity())).toBe(true);
    expect(filter?.(entity({ 'landingzone.io/tenant': 'labs' }))).toBe(false);
    expect(filter?.(entity({ 'landingzone.io/id': '  ' }))).toBe(false);
  });

  it('renders the card through its extension', async () => {
    const api = fakeApi(BY_STATUS.completed);
    const card = createExtensionTester(landingZoneEntityCard, { apis: [[landingZoneApiRef, api]] }).reactElement();

    await renderInTestApp(<EntityProvider entity={entity()}>{card}</EntityProvider>, {
      apis: [[landingZoneApiRef, api]],
    });

    expect(await screen.findByTestId('landing-zone-status')).toHaveTextContent('Completed');
  });

  it('is the plugin landing-zone, as its backend plugin is', () => {
    expect(landingZonePlugin.id).toBe('landing-zone');
    // The id the README tells operators to configure it by.
    expect(landingZonePlugin.getExtension('entity-card:landing-zone')).toMatchObject({ kind: 'entity-card', namespace: 'landing-zone' });
  });
});
