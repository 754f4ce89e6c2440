import { EventEmitter } from 'node:events';
import type {
  LandingZone,
  LandingZoneRequest,
  LandingZoneStatus,
  LandingZoneStep,
  ProgressEvent,
} from '../client/types';
import { isTerminal } from '../client/types';
import { type Outage, OutageClock } from './fakeOutage';

/** How the fake landing zones behave; tests change it per case. */
export interface FakeBehaviour {
  /** Delay between two workflow steps. */
  stepDelayMs: number;
  /** Fail the landing zone at this step with this reason. */
  failAt?: { step: string; reason: string };
  /** A downstream system that does not answer at this step, for a number of attempts. */
  outage?: Outage;
}

const STEPS = ['render', 'repository', 'environment', 'pipelines', 'record', 'notify'] as const;
const BITBUCKET = 'http://bitbucket.test';
const JENKINS = 'http://jenkins.test';
const SERVICENOW = 'http://servicenow.test';

interface Entry {
  landingZone: LandingZone;
  events: ProgressEvent[];
}

/**
 * Landing zones that go through the service's workflow on timers: plan,
 * approve (waiting for `decide` when the tenant needs approval), then the
 * provisioning steps, emitting the same events and links the service does.
 */
export class FakeLandingZones {
  readonly changes = new EventEmitter();
  private readonly records = new Map<string, Entry>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly outagesEnded = new Set<string>();
  private requestCounter = 10000;

  constructor(readonly behaviour: FakeBehaviour) {
    this.changes.setMaxListeners(100);
  }

  get count(): number {
    return this.records.size;
  }

  find(id: string): Entry | undefined {
    return this.records.get(id);
  }

  start(request: LandingZoneRequest): LandingZone {
    const id = `lz_${(this.records.size + 1).toString().padStart(4, '0')}`;
    const now = new Date().toISOString();
    const landingZone: LandingZone = {
      id,
      name: request.name,
      class: request.class,
      tenant: request.tenant,
      owner: request.owner,
      description: request.description,
      system: request.system ?? null,
      requester: request.requester,
      status: 'provisioning',
      created_at: now,
      updated_at: now,
      steps: [],
      links: {},
      error: null,
      waiting: [],
    };
    this.records.set(id, { landingZone, events: [] });
    this.emit(id, null, 'status', 'Landing zone accepted', { status: 'provisioning' });
    this.later(() => this.plan(id));
    return structuredClone(landingZone);
  }

  /** The approver's decision in ServiceNow. */
  decide(id: string, approved: boolean): void {
    const record = this.mustFind(id);
    if (record.landingZone.status !== 'pending_approval') {
      throw new Error(`${id} is ${record.landingZone.status}, not pending_approval`);
    }
    if (approved) {
      this.emit(id, 'approve', 'step_succeeded', 'Approved in ServiceNow');
      this.setStatus(id, 'provisioning');
      this.later(() => this.runStep(id, 0));
    } else {
      this.emit(id, 'approve', 'step_failed', 'Rejected in ServiceNow');
      this.finish(id, 'rejected', { step: 'approve', message: 'Rejected by retail-change-board: no budget code' });
    }
  }

  /** The system that did not answer answers again: the waiting step's next attempt succeeds. */
  endOutage(id: string): void {
    this.outagesEnded.add(id);
  }

  stop(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }

  private plan(id: string): void {
    const landingZone = this.mustFind(id).landingZone;
    this.emit(id, 'plan', 'step_started', 'plan: started');
    this.emit(id, 'plan', 'step_succeeded', `Names are free in ${landingZone.tenant.toUpperCase()}`);
    if (landingZone.tenant !== 'retail') {
      this.emit(id, 'approve', 'info', `Approved automatically (tenant ${landingZone.tenant})`);
      this.later(() => this.runStep(id, 0));
      return;
    }
    this.emit(id, 'approve', 'step_started', 'Requesting approval');
    const number = `RITM00${++this.requestCounter}`;
    landingZone.links.request_number = number;
    landingZone.links.approval = `${SERVICENOW}/sc_req_item.do?sysparm_query=number=${number}`;
    this.emit(id, 'approve', 'info', `ServiceNow request ${number} opened`);
    this.setStatus(id, 'pending_approval');
  }

  private runStep(id: string, index: number): void {
    const step = STEPS[index];
    if (step === undefined) {
      this.finish(id, 'completed', null);
      return;
    }
    this.emit(id, step, 'step_started', `${step}: started`);
    this.setStep(id, { name: step, status: 'running', attempts: 1, waiting: null });
    const outage = this.behaviour.outage;
    if (outage && outage.step === step) {
      this.attempt(id, index, new OutageClock(outage));
      return;
    }
    this.complete(id, index);
  }

  /** One more attempt at a step whose system is down; it waits until the outage is over. */
  private attempt(id: string, index: number, clock: OutageClock): void {
    const step = STEPS[index] as string;
    if (clock.failedAttempts < clock.outage.failures && !this.outagesEnded.has(id)) {
      const now = new Date();
      const waiting = clock.fail(step, now);
      this.setStep(id, { name: step, status: 'waiting', attempts: waiting.attempts, waiting });
      const { system, error, attempts, next_attempt_at } = waiting;
      this.emit(
        id,
        step,
        'waiting',
        `${step}: waiting for ${system} (attempt ${attempts}): ${error}; next attempt at ${next_attempt_at.slice(11, 19)}Z`,
        { system, error, attempts, next_attempt_at },
        now.toISOString(),
      );
      this.later(() => this.attempt(id, index, clock));
      return;
    }
    const { system } = clock.outage;
    const attempts = clock.failedAttempts;
    this.setStep(id, { name: step, status: 'running', attempts: attempts + 1, waiting: null });
    this.emit(id, step, 'resumed', `${step}: ${system} answered again after ${attempts} attempts`, {
      system,
      attempts,
      waited_seconds: clock.waitedSeconds,
    });
    this.complete(id, index);
  }

  private complete(id: string, index: number): void {
    const step = STEPS[index] as string;
    const failure = this.behaviour.failAt;
    if (failure && failure.step === step) {
      this.setStep(id, { name: step, status: 'failed', attempts: 1, waiting: null });
      this.emit(id, step, 'step_failed', `${step}: ${failure.reason}`);
      this.finish(id, 'failed', { step, message: failure.reason });
      return;
    }
    const landingZone = this.mustFind(id).landingZone;
    Object.assign(landingZone.links, linksAfter(step, landingZone));
    const attempts = landingZone.steps.find(s => s.name === step)?.attempts ?? 1;
    this.setStep(id, { name: step, status: 'succeeded', attempts, waiting: null });
    this.emit(id, step, 'step_succeeded', `${step}: done`);
    this.later(() => this.runStep(id, index + 1));
  }

  /** Keeps `steps[]` and the landing zone's `waiting` list as the service shows them. */
  private setStep(id: string, step: LandingZoneStep): void {
    const landingZone = this.mustFind(id).landingZone;
    const index = landingZone.steps.findIndex(s => s.name === step.name);
    if (index === -1) landingZone.steps.push(step);
    else landingZone.steps[index] = step;
    landingZone.waiting = landingZone.steps.flatMap(s => (s.waiting ? [s.waiting] : []));
  }

  private finish(
    id: string,
    status: LandingZoneStatus,
    error: LandingZone['error'],
  ): void {
    this.mustFind(id).landingZone.error = error;
    this.setStatus(id, status);
  }

  private setStatus(id: string, status: LandingZoneStatus): void {
    this.mustFind(id).landingZone.status = status;
    this.emit(id, null, 'status', `Status: ${status}`, { status });
    if (isTerminal(status)) {
      this.changes.emit(`end:${id}`);
    }
  }

  private emit(
    id: string,
    step: string | null,
    kind: ProgressEvent['kind'],
    message: string,
    data: { [key: string]: unknown } = {},
    at = new Date().toISOString(),
  ): void {
    const record = this.mustFind(id);
    const event: ProgressEvent = {
      seq: record.events.length + 1,
      at,
      step,
      kind,
      message,
      data,
    };
    record.events.push(event);
    record.landingZone.updated_at = event.at;
    this.changes.emit(`event:${id}`, event);
  }

  private later(work: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, this.behaviour.stepDelayMs);
    this.timers.add(timer);
  }

  private mustFind(id: string): Entry {
    const record = this.records.get(id);
    if (!record) {
      throw new Error(`unknown landing zone ${id}`);
    }
    return record;
  }
}

function linksAfter(step: string, landingZone: LandingZone): LandingZone['links'] {
  const project = landingZone.tenant.toUpperCase();
  const repo = `${BITBUCKET}/projects/${project}/repos/${landingZone.name}`;
  const folder = `${JENKINS}/job/${landingZone.tenant}/job/${landingZone.name}`;
  switch (step) {
    case 'repository':
      return {
        repository: `${repo}/browse`,
        clone: `${BITBUCKET}/scm/${project.toLowerCase()}/${landingZone.name}.git`,
        catalog_info: `${repo}/browse/catalog-info.yaml?at=refs%2Fheads%2Fmain`,
      };
    case 'environment':
      return { environment_repository: `${repo}-env/browse` };
    case 'pipelines':
      return { build_pipeline: `${folder}/job/build/`, promote_pipeline: `${folder}/job/promote/` };
    default:
      return {};
  }
}
