import { parseEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import type { LandingZoneRequest, Requester } from '../client/types';

/** What the template hands the action, before the service's own validation. */
export interface CreateInput {
  name: string;
  class: string;
  owner: string;
  description: string;
  tenant: string;
  system?: string;
  requester?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
}

/** Builds the service's request body from the action input. */
export function toLandingZoneRequest(
  input: CreateInput,
  userEntity: unknown,
): LandingZoneRequest {
  const request: LandingZoneRequest = {
    name: input.name,
    class: input.class,
    owner: input.owner,
    description: input.description,
    tenant: input.tenant,
    requester: requesterFrom(input.requester ?? userEntity),
    parameters: input.parameters ?? {},
  };
  const system = systemName(input.system);
  if (system) {
    request.system = system;
  }
  return request;
}

/**
 * Accepts a Backstage User entity (what `${{ user.entity }}` gives) or a plain
 * `{ name, email }` object.
 */
export function requesterFrom(source: unknown): Requester {
  if (!isRecord(source)) {
    throw new InputError(
      'requester: no requester given and the task has no signed-in user; pass ${{ user.entity }}',
    );
  }
  if (typeof source.name === 'string' && typeof source.email === 'string') {
    return { name: source.name, email: source.email };
  }
  const metadata = isRecord(source.metadata) ? source.metadata : {};
  const spec = isRecord(source.spec) ? source.spec : {};
  const profile = isRecord(spec.profile) ? spec.profile : {};
  const email = nonEmptyString(profile.email);
  if (!email) {
    const who = nonEmptyString(metadata.name) ?? 'the requester';
    throw new InputError(`requester: ${who} has no spec.profile.email in the catalog`);
  }
  const name =
    nonEmptyString(profile.displayName) ?? nonEmptyString(metadata.name) ?? email;
  return { name, email };
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
