import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UserEntity } from '@backstage/catalog-model';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { createLandingZoneAction } from '../actions/create';
import { LandingZoneClient } from '../client/LandingZoneClient';
import type { FakeLandingZoneService } from './fakeLandingZoneService';
import { RecordingLogger } from './recordingLogger';

// The action never touches the workspace; one folder serves every run.
const workspacePath = mkdtempSync(join(tmpdir(), 'landingzone-action-'));

export type LandingZoneAction = ReturnType<typeof createLandingZoneAction>;
export type ActionInput = Parameters<LandingZoneAction['handler']>[0]['input'];

export const jane: UserEntity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'jane.doe', namespace: 'default' },
  // A member of the owner groups the examples request for: the service checks it.
  spec: {
    profile: { displayName: 'Jane Doe', email: 'jane.doe@example.com' },
    memberOf: ['payments', 'retail-web'],
  },
};

export const javaInput: ActionInput = {
  name: 'payments-api',
  class: 'java',
  owner: 'group:default/payments',
  description: 'Payments REST API',
  tenant: 'labs',
  system: 'system:default/payments',
  requester: jane as unknown as { [key: string]: unknown },
  parameters: { javaVersion: 21 },
};

export function actionFor(service: FakeLandingZoneService, token = service.token): LandingZoneAction {
  const client = new LandingZoneClient({ baseUrl: service.baseUrl, token });
  return createLandingZoneAction({ client, pollIntervalMs: 10 });
}

export interface RunOptions {
  taskId?: string;
  isDryRun?: boolean;
  user?: { entity?: UserEntity; ref?: string };
  /** Shared between runs to play the scaffolder's checkpoint store across a task recovery. */
  checkpoints?: Map<string, unknown>;
}

/** One invocation of the action, as the scaffolder makes it, with what it logged and output. */
export class ActionRun {
  readonly logger = new RecordingLogger();
  readonly outputs: { [name: string]: unknown } = {};
  readonly done: Promise<void>;

  constructor(action: LandingZoneAction, input: ActionInput, options: RunOptions = {}) {
    const context = createMockActionContext<ActionInput>({
      input,
      workspacePath,
      logger: this.logger,
      task: { id: options.taskId ?? 'task-1' },
      user: options.user ?? { entity: jane, ref: 'user:default/jane.doe' },
    });
    const checkpoints = options.checkpoints;
    this.done = action.handler({
      ...context,
      isDryRun: options.isDryRun ?? false,
      step: { id: 'landing-zone', name: 'Create landing zone' },
      output: (name: string, value: unknown) => {
        this.outputs[name] = value;
      },
      checkpoint: checkpoints
        ? async <T>({ key, fn }: { key: string; fn: () => Promise<T> | T }): Promise<T> => {
            if (checkpoints.has(key)) {
              return checkpoints.get(key) as T;
            }
            const value = await fn();
            checkpoints.set(key, value);
            return value;
          }
        : context.checkpoint,
    });
    this.done.catch(() => undefined);
  }
}
