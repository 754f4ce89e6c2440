import { setTimeout as sleep } from 'node:timers/promises';
import { LandingZoneApiError } from './errors';
import type { LandingZoneClient } from './LandingZoneClient';
import { isTerminal, type LandingZone, type ProgressEvent } from './types';

export interface FollowOptions {
  /** Called once per progress event, in order, never twice for the same `seq`. */
  onEvent(event: ProgressEvent): void;
  /** Told when the follower changes how it listens (stream dropped, polling). */
  onNotice(message: string): void;
  /**
   * Stops following before the landing zone ends once this holds. Checked
   * whenever the status may have changed.
   */
  stopWhen?: (landingZone: LandingZone) => boolean;
  signal?: AbortSignal;
  pollIntervalMs?: number;
}

const STREAM_ATTEMPTS = 3;
const DEFAULT_POLL_INTERVAL_MS = 2000;

/**
 * Follows a landing zone's progress until it reaches a terminal status (or
 * `stopWhen` holds) and returns it as it then is. Listens to the event stream
 * and falls back to polling `/events?after=N` when the stream is unavailable.
 */
export async function followLandingZone(
  client: LandingZoneClient,
  id: string,
  options: FollowOptions,
): Promise<LandingZone> {
  const follower = new Follower(client, id, options);
  return follower.run();
}

class Follower {
  private lastSeq = 0;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly client: LandingZoneClient,
    private readonly id: string,
    private readonly options: FollowOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  async run(): Promise<LandingZone> {
    const streamed = await this.followStream();
    return streamed ?? this.poll();
  }

  private accept(event: ProgressEvent): boolean {
    if (event.seq <= this.lastSeq) {
      return false;
    }
    this.lastSeq = event.seq;
    this.options.onEvent(event);
    return true;
  }

  /** Returns the landing zone once done, or undefined when polling must take over. */
  private async followStream(): Promise<LandingZone | undefined> {
    let failures = 0;
    while (failures < STREAM_ATTEMPTS) {
      const before = this.lastSeq;
      try {
        const outcome = await this.streamOnce();
        if (outcome) {
          return outcome;
        }
        this.options.onNotice('The progress stream closed early; reconnecting.');
      } catch (error) {
        this.options.signal?.throwIfAborted();
        if (error instanceof LandingZoneApiError && error.isClientError) {
          this.options.onNotice(`The progress stream is unavailable (${error.message}); polling instead.`);
          return undefined;
        }
        this.options.onNotice(`The progress stream failed (${String(error)}); reconnecting.`);
      }
      failures = this.lastSeq > before ? 0 : failures + 1;
      if (failures < STREAM_ATTEMPTS) {
        await sleep(this.pollIntervalMs, undefined, { signal: this.options.signal });
      }
    }
    this.options.onNotice('The progress stream keeps failing; polling instead.');
    return undefined;
  }

  private async streamOnce(): Promise<LandingZone | undefined> {
    const stop = new AbortController();
    const signal = this.options.signal
      ? AbortSignal.any([this.options.signal, stop.signal])
      : stop.signal;
    let stoppedWith: LandingZone | undefined;
    let check: Promise<void> = Promise.resolve();
    const stopWhen = this.options.stopWhen;
    try {
      const outcome = await this.client.streamEvents(
        this.id,
        this.lastSeq,
        {
          onEvent: event => {
            if (this.accept(event) && stopWhen && mayChangeStatus(event)) {
              check = check.then(async () => {
                if (stoppedWith || signal.aborted) {
                  return;
                }
                const current = await this.client.get(this.id, signal);
                if (stopWhen(current)) {
                  stoppedWith = current;
                  stop.abort();
                }
              });
              // Failures surface through `await check` below; never as unhandled rejections.
              check.catch(() => undefined);
            }
          },
        },
        signal,
      );
      await check;
      if (stoppedWith) {
        return stoppedWith;
      }
      return outcome.ended ? outcome.landingZone : undefined;
    } catch (error) {
      await check.catch(() => undefined);
      if (stoppedWith) {
        return stoppedWith;
      }
      throw error;
    }
  }

  private async poll(): Promise<LandingZone> {
    let firstRound = true;
    for (;;) {
      const page = await this.client.events(this.id, this.lastSeq, this.options.signal);
      let progressed = false;
      for (const event of page.events) {
        progressed = this.accept(event) || progressed;
      }
      if (isTerminal(page.status)) {
        return this.client.get(this.id, this.options.signal);
      }
      if (this.options.stopWhen && (progressed || firstRound)) {
        const current = await this.client.get(this.id, this.options.signal);
        if (this.options.stopWhen(current)) {
          return current;
        }
      }
      firstRound = false;
      await sleep(this.pollIntervalMs, undefined, { signal: this.options.signal });
    }
  }
}

function mayChangeStatus(event: ProgressEvent): boolean {
  return event.kind === 'status' || event.step === 'approve';
}
