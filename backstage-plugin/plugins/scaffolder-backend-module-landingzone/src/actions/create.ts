import { createHash } from 'node:crypto';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { followLandingZone } from '../client/follow';
import type { LandingZoneClient } from '../client/LandingZoneClient';
import type { LandingZone } from '../client/types';
import { asTaskError } from './errors';
import { examples } from './create.examples';
import { type CreateOutputs, outputsFrom } from './outputs';
import { logPreview, logProgressEvent } from './progress';
import { onBehalfOf, overridesRequester, toLandingZoneRequest } from './request';
import { timeoutError } from './timeout';
import { OutageWatch } from './waiting';

export const ACTION_ID = 'landingzone:create';
export const DEFAULT_TIMEOUT_MINUTES = 60;
export const DRY_RUN_ID = 'dry-run';

export type WaitFor = 'completed' | 'approval-requested';
/** Holds no scaffolder worker while a change board decides; automatic tenants still finish in the task. */
export const DEFAULT_WAIT_FOR: WaitFor = 'approval-requested';

export interface CreateActionOptions {
  client: LandingZoneClient;
  /** How often to poll when the event stream is unavailable. */
  pollIntervalMs?: number;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** Same task and step, same key: a retried or recovered task finds its landing zone again. */
export function idempotencyKey(taskId: string, stepId: string | undefined): string {
  const key = `backstage:${taskId}:${stepId ?? 'landingzone-create'}`;
  if (key.length <= MAX_IDEMPOTENCY_KEY_LENGTH) {
    return key;
  }
  return `backstage:${createHash('sha256').update(key).digest('hex')}`;
}

/** True once the landing zone waits for a human decision in ServiceNow. */
export function approvalRequested(landingZone: LandingZone): boolean {
  return landingZone.status === 'pending_approval' && Boolean(landingZone.links.approval);
}

export function createLandingZoneAction(options: CreateActionOptions) {
  const { client, pollIntervalMs } = options;
  return createTemplateAction({
    id: ACTION_ID,
    description:
      'Requests a landing zone from the Landing Zone service: approval, repository, environment repository and pipelines.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        name: z => z.string().describe('Component name: lower-case letters, digits and hyphens.'),
        class: z =>
          z.string().describe('Landing zone class: dotnet, java, web, mobile or backend.'),
        owner: z => z.string().describe('Owning group, as an entity reference (group:default/payments).'),
        description: z => z.string().describe('What the component does.'),
        tenant: z => z.string().describe('Tenant: labs (approved automatically) or retail (needs approval).'),
        system: z =>
          z.string().optional().describe('System the component belongs to (system:default/payments or payments).'),
        requester: z =>
          z
            .any()
            .optional()
            .describe('Ignored: the requester is always the signed-in user (name and email from their User entity).'),
        parameters: z =>
          z.record(z.any()).optional().describe("The class's parameters (GET /v1/classes)."),
        waitFor: z =>
          z
            .enum(['completed', 'approval-requested'])
            .optional()
            .describe(
              'approval-requested (default): end the step once a ServiceNow approval is pending, holding no worker while it waits; a tenant approved automatically is followed until ready. completed: always wait until the landing zone is ready.',
            ),
        timeoutMinutes: z =>
          z
            .number()
            .positive()
            .optional()
            .describe(
              `How long the step waits (default ${DEFAULT_TIMEOUT_MINUTES}); after that the landing zone goes on in the service, waits for an outage included.`,
            ),
      },
      output: {
        landingZoneId: z => z.string().describe('Id of the landing zone in the service.'),
        status: z => z.string().describe('Status when the step ended.'),
        repoUrl: z => z.string().optional().describe('Browse URL of the repository.'),
        repoContentsUrl: z =>
          z.string().optional().describe('For catalog:register with catalogInfoPath /catalog-info.yaml.'),
        catalogInfoUrl: z => z.string().optional().describe('URL of the catalog-info.yaml file.'),
        cloneUrl: z => z.string().optional().describe('HTTP clone URL of the repository.'),
        environmentRepoUrl: z => z.string().optional().describe('Browse URL of the environment repository.'),
        buildPipelineUrl: z => z.string().optional().describe('Jenkins build pipeline.'),
        promotePipelineUrl: z => z.string().optional().describe('Jenkins promote pipeline.'),
        approvalUrl: z => z.string().optional().describe('ServiceNow request.'),
        requestNumber: z => z.string().optional().describe('ServiceNow request number (RITM…).'),
        entityRef: z =>
          z
            .string()
            .optional()
            .describe('The new component (component:default/<name>), once completed; the service registers it.'),
      },
    },
    async handler(ctx) {
      const request = toLandingZoneRequest(ctx.input, ctx.user);
      // The service checks that the signed-in user is a member of the owner group.
      const signedIn = onBehalfOf(ctx.user);
      if (overridesRequester(ctx.input, request.requester)) {
        ctx.logger.warn(
          `The template's requester input is ignored: the landing zone is requested for the signed-in user, ${request.on_behalf_of ?? request.requester.email}`,
        );
      }

      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: previewing ${request.class} landing zone ${request.name} for ${request.tenant}`);
        const preview = await client.preview(request, signedIn).catch(error => {
          throw asTaskError(error);
        });
        logPreview(ctx.logger, preview);
        ctx.output('landingZoneId', DRY_RUN_ID);
        ctx.output('status', preview.approval_required ? 'dry_run_approval_required' : 'dry_run');
        return;
      }

      const key = idempotencyKey(ctx.task.id, ctx.step?.id);
      const id = await ctx.checkpoint({
        key: 'landingzone.create',
        fn: async () => {
          const created = await client.create(request, key, signedIn).catch(error => {
            throw asTaskError(error);
          });
          return created.id;
        },
      });
      ctx.logger.info(`Landing zone ${id} requested (${request.class} ${request.name} for ${request.tenant})`);

      const waitFor: WaitFor = ctx.input.waitFor ?? DEFAULT_WAIT_FOR;
      const minutes = ctx.input.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES;
      const timeout = AbortSignal.timeout(minutes * 60_000);
      const signal = ctx.signal ? AbortSignal.any([ctx.signal, timeout]) : timeout;

      // A wait for a downstream system is not an end: the step follows it like any other progress.
      const outages = new OutageWatch();
      let landingZone: LandingZone;
      try {
        landingZone = await followLandingZone(client, id, {
          onEvent: event => {
            outages.observe(event);
            logProgressEvent(ctx.logger, event);
          },
          onNotice: message => ctx.logger.warn(message),
          stopWhen: waitFor === 'approval-requested' ? approvalRequested : undefined,
          signal,
          pollIntervalMs,
        });
      } catch (error) {
        if (timeout.aborted) {
          throw await timeoutError(client, id, minutes, outages);
        }
        throw asTaskError(error);
      }

      const outputs = outputsFrom(landingZone);
      for (const name of Object.keys(outputs) as Array<keyof CreateOutputs>) {
        const value = outputs[name];
        if (value !== undefined) {
          ctx.output(name, value);
        }
      }
      if (landingZone.status === 'completed' || approvalRequested(landingZone)) {
        ctx.logger.info(
          landingZone.status === 'completed'
            ? `Landing zone ${id} completed`
            : `Landing zone ${id} waits for approval: ${landingZone.links.approval}. ` +
                'This task ends here; once approved, the service creates everything, registers the ' +
                'component in the catalog and notifies the requester.',
        );
        return;
      }
      const reason = landingZone.error?.message ?? `the landing zone was ${landingZone.status}`;
      throw new Error(`Landing zone ${id} ${landingZone.status}: ${reason}`);
    },
  });
}
