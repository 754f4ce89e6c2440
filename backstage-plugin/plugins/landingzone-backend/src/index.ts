/**
 * Backend plugin `landing-zone`: the landing zone card reads and acts on the Landing Zone
 * service through it, so the browser never holds the service's credential.
 */
export { landingZonePlugin as default } from './plugin';
export { createRouter } from './service/router';
export type { RouterOptions } from './service/router';
export { ServiceForwarder, ON_BEHALF_OF, ON_BEHALF_OF_GROUPS } from './service/forward';
export { PrincipalResolver } from './service/principal';
export type { OnBehalfOf } from './service/principal';
