import { useApi } from '@backstage/frontend-plugin-api';
import { useCallback, useEffect, useRef, useState } from 'react';
import { landingZoneApiRef } from '../../api/LandingZoneApi';
import type { LandingZone, ProjectClass, TemplateUpdate } from '../../api/types';

/** A part of the card that could not be read, with the reason, or its value. */
export type Part<T> = { value: T } | { reason: unknown };

export interface LandingZoneState {
  loading: boolean;
  error?: unknown;
  landingZone?: LandingZone;
  updates?: Part<TemplateUpdate[]>;
  projectClass?: Part<ProjectClass>;
  reload(): void;
}

const SETTLED = new Set(['completed', 'rejected', 'failed', 'cancelled']);

function stillMoving(landingZone: LandingZone): boolean {
  return !SETTLED.has(landingZone.status) || (landingZone.waiting?.length ?? 0) > 0;
}

function part<T>(result: PromiseSettledResult<T>): Part<T> {
  return result.status === 'fulfilled' ? { value: result.value } : { reason: result.reason };
}

/**
 * Reads the landing zone, its template updates and its class; reads them again every
 * `pollMs` while the landing zone is still on its way (or waits out an outage).
 */
export function useLandingZone(id: string, pollMs: number): LandingZoneState {
  const api = useApi(landingZoneApiRef);
  const [state, setState] = useState<Omit<LandingZoneState, 'reload'>>({ loading: true });
  const [generation, setGeneration] = useState(0);
  const mounted = useRef(true);

  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    (async () => {
      try {
        const landingZone = await api.getLandingZone(id);
        const [updates, projectClass] = await Promise.allSettled([
          api.getUpdates(id),
          api.getClass(landingZone.class),
        ]);
        if (cancelled) return;
        setState({ loading: false, landingZone, updates: part(updates), projectClass: part(projectClass) });
        if (stillMoving(landingZone)) {
          timer = setTimeout(() => setGeneration(g => g + 1), pollMs);
        }
      } catch (error) {
        if (!cancelled) setState(previous => ({ ...previous, loading: false, error }));
      }
    })();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [api, id, pollMs, generation]);

  const reload = useCallback(() => {
    if (mounted.current) setGeneration(g => g + 1);
  }, []);

  return { ...state, reload };
}
