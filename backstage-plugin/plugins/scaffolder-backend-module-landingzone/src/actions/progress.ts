import type { LoggerService } from '@backstage/backend-plugin-api';
import type { Preview, ProgressEvent } from '../client/types';
import { resumedMessage, waitingMessage } from './waiting';

/** How an event reads in the task log: `[repository] LABS/payments-api at 2c26ca5`. */
export function progressLine(event: ProgressEvent): string {
  const text = composedText(event);
  if (!event.step) {
    return text ?? event.message;
  }
  const ownPrefix = `${event.step}: `;
  const message =
    text ?? (event.message.startsWith(ownPrefix) ? event.message.slice(ownPrefix.length) : event.message);
  return `[${event.step}] ${message}`;
}

/** Waits are written from their data, so the line always names the system, error, attempt and next attempt. */
function composedText(event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case 'waiting':
      return waitingMessage(event);
    case 'resumed':
      return resumedMessage(event);
    default:
      return undefined;
  }
}

/** One task-log line per service event; warnings for failed steps and for waits on a downstream system. */
export function logProgressEvent(logger: LoggerService, event: ProgressEvent): void {
  const line = progressLine(event);
  if (event.kind === 'step_failed' || event.kind === 'waiting') {
    logger.warn(line);
  } else {
    logger.info(line);
  }
}

/** Renders paths as an indented tree, folders first, as a developer reads a repository. */
export function fileTree(paths: readonly string[]): string[] {
  interface Folder {
    folders: Map<string, Folder>;
    files: string[];
  }
  const root: Folder = { folders: new Map(), files: [] };
  for (const path of paths) {
    const parts = path.split('/').filter(part => part !== '');
    let folder = root;
    for (const part of parts.slice(0, -1)) {
      let child = folder.folders.get(part);
      if (!child) {
        child = { folders: new Map(), files: [] };
        folder.folders.set(part, child);
      }
      folder = child;
    }
    const file = parts[parts.length - 1];
    if (file !== undefined) {
      folder.files.push(file);
    }
  }
  const lines: string[] = [];
  const walk = (folder: Folder, depth: number): void => {
    const indent = '  '.repeat(depth);
    for (const name of [...folder.folders.keys()].sort()) {
      lines.push(`${indent}${name}/`);
      walk(folder.folders.get(name) as Folder, depth + 1);
    }
    for (const name of [...folder.files].sort()) {
      lines.push(`${indent}${name}`);
    }
  };
  walk(root, 0);
  return lines;
}

export function logPreview(logger: LoggerService, preview: Preview): void {
  const { names } = preview;
  logger.info(`Repository: ${names.repository.project}/${names.repository.slug}`);
  logger.info(
    `Environment repository: ${names.environment_repository.project}/${names.environment_repository.slug}`,
  );
  logger.info(`Build pipeline: ${names.build_job}`);
  logger.info(`Promote pipeline: ${names.promote_job}`);
  logger.info(
    preview.approval_required
      ? 'Approval: required (a ServiceNow request will be opened)'
      : 'Approval: automatic',
  );
  logger.info(`Repository files:\n${fileTree(preview.files).join('\n')}`);
  logger.info(`Environment repository files:\n${fileTree(preview.environment_files).join('\n')}`);
}
