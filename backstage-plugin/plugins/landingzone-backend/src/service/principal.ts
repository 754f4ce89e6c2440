import type {
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  LoggerService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { RELATION_MEMBER_OF, parseEntityRef } from '@backstage/catalog-model';
import type { CatalogService } from '@backstage/plugin-catalog-node';

/** The service takes at most this many groups in X-On-Behalf-Of-Groups. */
export const MAX_GROUPS = 500;

/** The signed-in user as the Landing Zone service is told about them. */
export interface OnBehalfOf {
  user: string;
  groups: string[];
}

export interface PrincipalResolverOptions {
  userInfo: UserInfoService;
  catalog: CatalogService;
  auth: AuthService;
  logger: LoggerService;
}

/**
 * Who a request is for: the user's entity reference and the groups their catalog entity
 * is a member of (`memberOf`). A user without an entity in the catalog is named with the
 * groups of their sign-in ownership references.
 */
export class PrincipalResolver {
  constructor(private readonly options: PrincipalResolverOptions) {}

  async resolve(credentials: BackstageCredentials<BackstageUserPrincipal>): Promise<OnBehalfOf> {
    const { userInfo, catalog, auth, logger } = this.options;
    const info = await userInfo.getUserInfo(credentials);
    const entity = await catalog.getEntityByRef(info.userEntityRef, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    const refs = entity
      ? (entity.relations ?? []).filter(r => r.type === RELATION_MEMBER_OF).map(r => r.targetRef)
      : info.ownershipEntityRefs;
    const groups = [...new Set(refs.filter(isGroupRef))].sort();
    if (groups.length > MAX_GROUPS) {
      logger.warn(`${info.userEntityRef} is in ${groups.length} groups; the first ${MAX_GROUPS} are passed on`);
    }
    return { user: info.userEntityRef, groups: groups.slice(0, MAX_GROUPS) };
  }
}

function isGroupRef(ref: string): boolean {
  try {
    return parseEntityRef(ref).kind.toLocaleLowerCase('en-US') === 'group';
  } catch {
    return false;
  }
}
