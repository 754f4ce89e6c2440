/** Titles of the service's links, in the order the card lists them. */
export const LINK_TITLES: Record<string, string> = {
  repository: 'Repository',
  environment_repository: 'Environment repository',
  build_pipeline: 'Build pipeline',
  promote_pipeline: 'Promote pipeline',
  catalog_info: 'catalog-info.yaml',
  clone: 'Clone URL',
  catalog_entity: 'Catalog entity',
  first_build: 'First build',
};
/** Shown with the ServiceNow request instead. */
export const APPROVAL_KEYS = new Set(['approval', 'request_number']);

/** Only web addresses become links; anything else the service sent is not followed. */
export function isWebAddress(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

export interface Shown {
  key: string;
  title: string;
  url: string;
}

/** Every link of the landing zone, known ones first under their titles, others by key. */
export function shownLinks(links: Record<string, string>): Shown[] {
  const known = Object.keys(LINK_TITLES).filter(key => links[key]);
  const others = Object.keys(links)
    .filter(key => !(key in LINK_TITLES) && !APPROVAL_KEYS.has(key))
    .sort();
  return [...known, ...others]
    .map(key => ({ key, title: LINK_TITLES[key] ?? key.replace(/_/g, ' '), url: links[key] ?? '' }))
    .filter(link => isWebAddress(link.url));
}
