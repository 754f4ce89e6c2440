import type { TemplateUpdate } from '../../api/types';

function parts(version: string): number[] {
  return version.split('.').map(n => Number.parseInt(n, 10) || 0);
}

/** Negative, zero or positive as `a` is older than, the same as or newer than `b`. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** An update to `version` that is under way or waits for its pull request to be merged. */
export function updateUnderWay(updates: TemplateUpdate[], version: string): TemplateUpdate | undefined {
  return updates.find(
    u =>
      u.to_version === version &&
      (u.status === 'pending' || (u.status === 'opened' && u.pull_request?.state !== 'DECLINED' && u.pull_request?.state !== 'MERGED')),
  );
}
