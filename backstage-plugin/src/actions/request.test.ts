import { InputError } from '@backstage/errors';
import { requesterFrom, systemName, toLandingZoneRequest } from './request';

describe('toLandingZoneRequest', () => {
  const base = {
    name: 'orders-web',
    class: 'web',
    owner: 'group:default/orders',
    description: 'Orders front end',
    tenant: 'labs',
  };

  it('sends no system and empty parameters when the form left them out', () => {
    const request = toLandingZoneRequest(base, { metadata: { name: 'jo' }, spec: { profile: { email: 'jo@example.com' } } });
    expect(request).toEqual({ ...base, requester: { name: 'jo', email: 'jo@example.com' }, parameters: {} });
  });

  it('prefers the requester the template passes over the signed-in user', () => {
    const request = toLandingZoneRequest(
      { ...base, requester: { name: 'Ann', email: 'ann@example.com' } },
      { metadata: { name: 'jo' }, spec: { profile: { email: 'jo@example.com' } } },
    );
    expect(request.requester).toEqual({ name: 'Ann', email: 'ann@example.com' });
  });
});

describe('requesterFrom', () => {
  it('uses the display name of a user entity', () => {
    expect(
      requesterFrom({ metadata: { name: 'jane.doe' }, spec: { profile: { displayName: 'Jane Doe', email: 'j@example.com' } } }),
    ).toEqual({ name: 'Jane Doe', email: 'j@example.com' });
  });

  it('says what to pass when there is no user at all', () => {
    expect(() => requesterFrom(undefined)).toThrow(InputError);
    expect(() => requesterFrom(undefined)).toThrow(/pass \$\{\{ user.entity \}\}/);
  });
});

describe('systemName', () => {
  it.each([
    ['system:default/payments', 'payments'],
    ['default/payments', 'payments'],
    ['payments', 'payments'],
    ['  ', undefined],
    [undefined, undefined],
  ])('turns %p into %p', (given, expected) => {
    expect(systemName(given)).toBe(expected);
  });
});
