import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorDetail } from '../client/types';

const NAME = /^[a-z][a-z0-9-]{1,62}$/;
const CLASSES = ['dotnet', 'java', 'web', 'mobile', 'backend'];
const TENANTS = ['labs', 'retail'];
const JAVA_VERSIONS = [17, 21];

/** The subset of the service's request validation the action's tests rely on. */
export function validateRequest(body: unknown): ErrorDetail[] {
  if (typeof body !== 'object' || body === null) {
    return [{ loc: ['body'], msg: 'Field required', type: 'missing' }];
  }
  const request = body as { [key: string]: unknown };
  const errors: ErrorDetail[] = [];
  const fail = (loc: string[], msg: string): void => {
    errors.push({ loc: ['body', ...loc], msg, type: 'value_error' });
  };
  if (typeof request.name !== 'string' || !NAME.test(request.name)) {
    fail(['name'], 'must be lower-case letters, digits and hyphens, starting with a letter');
  }
  if (typeof request.class !== 'string' || !CLASSES.includes(request.class)) {
    fail(['class'], `must be one of ${CLASSES.join(', ')}`);
  }
  if (typeof request.tenant !== 'string' || !TENANTS.includes(request.tenant)) {
    fail(['tenant'], `unknown tenant; known: ${TENANTS.join(', ')}`);
  }
  const requester = request.requester as { email?: unknown } | undefined;
  if (typeof requester?.email !== 'string' || !requester.email.includes('@')) {
    fail(['requester', 'email'], 'value is not a valid email address');
  }
  const parameters = (request.parameters ?? {}) as { [key: string]: unknown };
  if (request.class === 'java' && !JAVA_VERSIONS.includes(parameters.javaVersion as number)) {
    fail(['parameters', 'javaVersion'], `must be one of ${JAVA_VERSIONS.join(', ')}`);
  }
  return errors;
}

/** The service's check that the user a request names is a member of its owner group. */
export function checkMembership(headers: IncomingHttpHeaders, body: unknown): ErrorDetail[] {
  const user = headers['x-on-behalf-of'];
  if (typeof user !== 'string') {
    return [{ loc: ['header', 'x-on-behalf-of'], msg: 'a landing zone is requested for a user', type: 'forbidden' }];
  }
  const groups = String(headers['x-on-behalf-of-groups'] ?? '').split(',');
  const owner = String((body as { owner?: unknown }).owner);
  if (groups.includes(owner)) {
    return [];
  }
  const msg = `${user} is not a member of the owner group ${owner}: the requester must be a member of the owner group (X-On-Behalf-Of-Groups)`;
  return [{ loc: ['body', 'owner'], msg, type: 'forbidden' }];
}
