import type { LandingZone } from '../client/types';

/** The action's outputs, as templates read them (`steps.<id>.output.<name>`). */
export interface CreateOutputs {
  landingZoneId: string;
  status: string;
  repoUrl?: string;
  repoContentsUrl?: string;
  catalogInfoUrl?: string;
  cloneUrl?: string;
  environmentRepoUrl?: string;
  buildPipelineUrl?: string;
  promotePipelineUrl?: string;
  approvalUrl?: string;
  requestNumber?: string;
  entityRef?: string;
}

const CATALOG_INFO_FILE = 'catalog-info.yaml';

export function outputsFrom(landingZone: LandingZone): CreateOutputs {
  const links = landingZone.links;
  return dropUndefined({
    landingZoneId: landingZone.id,
    status: landingZone.status,
    repoUrl: links.repository,
    repoContentsUrl: repoContentsUrl(links.catalog_info, links.repository),
    catalogInfoUrl: links.catalog_info,
    cloneUrl: links.clone,
    environmentRepoUrl: links.environment_repository,
    buildPipelineUrl: links.build_pipeline,
    promotePipelineUrl: links.promote_pipeline,
    approvalUrl: links.approval,
    requestNumber: links.request_number,
    entityRef: landingZone.status === 'completed' ? `component:default/${landingZone.name}` : undefined,
  });
}

/**
 * The browse URL of the repository's root on its default branch: the folder
 * `catalog-info.yaml` sits in, keeping its `?at=` branch, so that
 * `catalog:register` with `catalogInfoPath: /catalog-info.yaml` resolves to
 * exactly the service's `catalog_info` link.
 */
export function repoContentsUrl(
  catalogInfoUrl: string | undefined,
  repositoryUrl: string | undefined,
): string | undefined {
  if (catalogInfoUrl) {
    const url = new URL(catalogInfoUrl);
    const suffix = `/${CATALOG_INFO_FILE}`;
    if (url.pathname.endsWith(suffix)) {
      url.pathname = url.pathname.slice(0, -suffix.length);
      return url.toString();
    }
  }
  return repositoryUrl;
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as T;
}
