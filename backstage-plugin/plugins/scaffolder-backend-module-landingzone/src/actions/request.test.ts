import { InputError } from '@backstage/errors';
import { groupRefs, onBehalfOf, requesterFrom, systemName, toLandingZoneRequest } from './request';

describe('toLandingZoneRequest', () => {
  const base = {
    name: 'orders-web',
    class: 'web',
    owner: 'group:default/orders',
    description: 'Orders front end',
    tenant: 'labs',
  };

  it('sends no system and empty parameters when the form left them out', () => {
    const request = toLandingZoneRequest(base, {
      entity: { metadata: { name: 'jo' }, spec: { profile: { email: 'jo@example.com' } } },
    });
    expect(request).toEqual({
      ...base,
      requester: { name: 'jo', email: 'jo@example.com' },
      on_behalf_of: 'user:default/jo',
      parameters: {},
    });
  });

  it('always requests for the signed-in user, whatever requester the template passes', () => {
    const request = toLandingZoneRequest(
      { ...base, requester: { name: 'Ann', email: 'ann@example.com' } },
      { entity: { metadata: { name: 'jo' }, spec: { profile: { email: 'jo@example.com' } } }, ref: 'user:default/jo' },
    );
    expect(request.requester).toEqual({ name: 'jo', email: 'jo@example.com' });
    expect(request.on_behalf_of).toBe('user:default/jo');
  });
});

describe('requesterFrom', () => {
  it('uses the display name of a user entity', () => {
    expect(
      requesterFrom({ metadata: { name: 'jane.doe' }, spec: { profile: { displayName: 'Jane Doe', email: 'j@example.com' } } }),
    ).toEqual({ name: 'Jane Doe', email: 'j@example.com' });
  });

  it('says that the task has no signed-in user when there is none', () => {
    expect(() => requesterFrom(undefined)).toThrow(InputError);
    expect(() => requesterFrom('')).toThrow(/This task has no signed-in user/);
    expect(() => requesterFrom(undefined)).not.toThrow(/user\.entity/);
  });

  it('names a signed-in user who has no User entity', () => {
    expect(() => requesterFrom(undefined, 'user:default/ghost')).toThrow(
      /the signed-in user user:default\/ghost has no User entity in the catalog/,
    );
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

describe('onBehalfOf', () => {
  const entity = {
    metadata: { name: 'jane.doe', namespace: 'default' },
    spec: { profile: { email: 'jane.doe@example.com' }, memberOf: ['payments', 'Platform'] },
    relations: [
      { type: 'memberOf', targetRef: 'group:default/payments' },
      { type: 'memberOf', targetRef: 'group:finance/auditors' },
      { type: 'ownerOf', targetRef: 'component:default/ledger' },
    ],
  };

  it('names the signed-in user and every group the catalog makes them a member of', () => {
    expect(onBehalfOf({ entity, ref: 'user:default/jane.doe' })).toEqual({
      user: 'user:default/jane.doe',
      groups: ['group:default/payments', 'group:default/platform', 'group:finance/auditors'],
    });
  });

  it("resolves spec.memberOf in the user's namespace and skips what is not a group", () => {
    const elsewhere = {
      metadata: { name: 'jo', namespace: 'emea' },
      spec: { memberOf: ['payments', 'group:default/platform', 'user:emea/bob', '', 7] },
    };
    expect(groupRefs(elsewhere)).toEqual(['group:default/platform', 'group:emea/payments']);
  });

  it('names a user without groups, and nobody without a signed-in user', () => {
    expect(onBehalfOf({ ref: 'user:default/jo' })).toEqual({ user: 'user:default/jo', groups: [] });
    expect(onBehalfOf(undefined)).toBeUndefined();
    expect(groupRefs('not an entity')).toEqual([]);
  });
});
