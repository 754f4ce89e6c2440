import { RELATION_MEMBER_OF, parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { LandingZoneRequest, OnBehalfOf, Requester } from '../client/types';

/** What the template hands the action, before the service's own validation. */
export interface CreateInput {
  name: string;
  class: string;
  owner: string;
  description: string;
  tenant: string;
  system?: string;
  /** Accepted for older templates and ignored: the signed-in user is the requester. */
  requester?: unknown;
  parameters?: Record<string, unknown>;
}

/** Who started the task, as the scaffolder knows it (`ctx.user`). */
export interface TaskUser {
  entity?: unknown;
  ref?: string;
}

export const NO_SIGNED_IN_USER =
  'This task has no signed-in user, so there is no one to request the landing zone for. ' +
  'Start it from the Backstage "Create" page while signed in as a user with a User entity ' +
  'in the catalog; tasks started with a service token cannot request landing zones.';

/** Builds the service's request body from the action input and the signed-in user. */
export function toLandingZoneRequest(input: CreateInput, user: TaskUser | undefined): LandingZoneRequest {
  const request: LandingZoneRequest = {
    name: input.name,
    class: input.class,
    owner: input.owner,
    description: input.description,
    tenant: input.tenant,
    requester: requesterFrom(user?.entity, user?.ref),
    on_behalf_of: userRef(user),
    parameters: input.parameters ?? {},
  };
  const system = systemName(input.system);
  if (system) {
    request.system = system;
  }
  return request;
}

/** True when the template passed a `requester` that is not the signed-in user. */
export function overridesRequester(input: CreateInput, requester: Requester): boolean {
  if (!isRecord(input.requester)) {
    return false;
  }
  try {
    const given = requesterFrom(input.requester);
    return given.email !== requester.email;
  } catch {
    return true;
  }
}

/** Name and email of the signed-in user, from their catalog entity's `spec.profile`. */
export function requesterFrom(entity: unknown, ref?: string): Requester {
  if (!isRecord(entity)) {
    throw new InputError(
      ref
        ? `requester: the signed-in user ${ref} has no User entity in the catalog; add one with spec.profile.email`
        : NO_SIGNED_IN_USER,
    );
  }
  if (typeof entity.name === 'string' && typeof entity.email === 'string' && !('metadata' in entity)) {
    return { name: entity.name, email: entity.email };
  }
  const metadata = isRecord(entity.metadata) ? entity.metadata : {};
  const spec = isRecord(entity.spec) ? entity.spec : {};
  const profile = isRecord(spec.profile) ? spec.profile : {};
  const email = nonEmptyString(profile.email);
  if (!email) {
    const who = nonEmptyString(metadata.name) ?? 'the requester';
    throw new InputError(`requester: ${who} has no spec.profile.email in the catalog`);
  }
  const name = nonEmptyString(profile.displayName) ?? nonEmptyString(metadata.name) ?? email;
  return { name, email };
}

/**
 * The signed-in user and their groups, as the catalog has them: the `memberOf` relations of
 * their User entity and its `spec.memberOf`. Undefined without a signed-in user.
 */
export function onBehalfOf(user: TaskUser | undefined): OnBehalfOf | undefined {
  const ref = userRef(user);
  if (!ref) {
    return undefined;
  }
  return { user: ref, groups: groupRefs(user?.entity) };
}

/** The group entity references a User entity is a member of, lower-cased, sorted, once each. */
export function groupRefs(entity: unknown): string[] {
  if (!isRecord(entity)) {
    return [];
  }
  const metadata = isRecord(entity.metadata) ? entity.metadata : {};
  const namespace = nonEmptyString(metadata.namespace) ?? 'default';
  const spec = isRecord(entity.spec) ? entity.spec : {};
  const relations = Array.isArray(entity.relations) ? entity.relations : [];
  const named = [
    ...relations.filter(isRecord).filter(r => r.type === RELATION_MEMBER_OF).map(r => r.targetRef),
    ...(Array.isArray(spec.memberOf) ? spec.memberOf : []),
  ];
  const refs = new Set<string>();
  for (const name of named) {
    const ref = groupRef(name, namespace);
    if (ref) {
      refs.add(ref);
    }
  }
  return [...refs].sort();
}

function groupRef(name: unknown, namespace: string): string | undefined {
  if (typeof name !== 'string' || name.trim() === '') {
    return undefined;
  }
  try {
    const ref = parseEntityRef(name.trim(), { defaultKind: 'group', defaultNamespace: namespace });
    return ref.kind.toLocaleLowerCase('en-US') === 'group'
      ? stringifyEntityRef(ref).toLocaleLowerCase('en-US')
      : undefined;
  } catch {
    return undefined;
  }
}

function userRef(user: TaskUser | undefined): string | undefined {
  if (user?.ref) {
    return user.ref;
  }
  const entity = user?.entity;
  if (isRecord(entity) && isRecord(entity.metadata) && typeof entity.metadata.name === 'string') {
    return stringifyEntityRef({
      kind: 'user',
      namespace: nonEmptyString(entity.metadata.namespace) ?? 'default',
      name: entity.metadata.name,
    });
  }
  return undefined;
}

/** `system:default/payments` (what EntityPicker gives) and `payments` both become `payments`. */
export function systemName(system: string | undefined): string | undefined {
  const trimmed = system?.trim();
  if (!trimmed) {
    return undefined;
  }
  try {
    return parseEntityRef(trimmed, { defaultKind: 'system', defaultNamespace: 'default' }).name;
  } catch {
    return trimmed;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
