import type { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError, NotFoundError } from '@backstage/errors';
import express, { type Request, type Response } from 'express';
import Router from 'express-promise-router';
import type { ServiceForwarder } from './forward';
import type { OnBehalfOf, PrincipalResolver } from './principal';

const LANDING_ZONE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const CLASS_ID = /^[a-z][a-z0-9-]{0,31}$/;
const VERSION = /^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$/;

export interface RouterOptions {
  httpAuth: HttpAuthService;
  principals: PrincipalResolver;
  service: ServiceForwarder;
}

interface ClassEntry {
  id: string;
  title: string;
  version?: string | null;
}

/**
 * The routes the landing zone card reads and acts through, and no others. Each is for a
 * signed-in user, whom the service is told about; the service's scopes decide.
 */
export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, principals, service } = options;
  const router = Router();
  router.use(express.json({ limit: '4kb' }));

  async function user(req: Request): Promise<OnBehalfOf> {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    return principals.resolve(credentials);
  }

  function zonePath(req: Request, tail = ''): string {
    const id = req.params.id ?? '';
    if (!LANDING_ZONE_ID.test(id)) {
      throw new InputError('id: must be a landing zone id such as lz_3f9a0c2e');
    }
    return `/v1/landing-zones/${encodeURIComponent(id)}${tail}`;
  }

  function send(res: Response, answer: { status: number; body: unknown }): void {
    res.status(answer.status).json(answer.body);
  }

  router.get('/landing-zones/:id', async (req, res) => {
    send(res, await service.call('GET', zonePath(req), await user(req)));
  });

  router.get('/landing-zones/:id/updates', async (req, res) => {
    send(res, await service.call('GET', zonePath(req, '/updates'), await user(req)));
  });

  router.post('/landing-zones/:id/retry', async (req, res) => {
    send(res, await service.call('POST', zonePath(req, '/retry'), await user(req)));
  });

  router.post('/landing-zones/:id/updates', async (req, res) => {
    const path = zonePath(req, '/updates');
    send(res, await service.call('POST', path, await user(req), updateBody(req.body)));
  });

  router.get('/classes/:class', async (req, res) => {
    const classId = req.params.class ?? '';
    if (!CLASS_ID.test(classId)) {
      throw new InputError('class: must be a class id such as java');
    }
    const answer = await service.call('GET', '/v1/classes', await user(req));
    const classes = (answer.body as { classes?: ClassEntry[] } | undefined)?.classes ?? [];
    const found = classes.find(c => c.id === classId);
    if (!found) {
      throw new NotFoundError(`class ${classId} is not offered by the Landing Zone service`);
    }
    res.json({ id: found.id, title: found.title, version: found.version ?? null });
  });

  return router;
}

/** What may be asked of an update: a version, or nothing (the class's latest). */
function updateBody(body: unknown): { version?: string } {
  if (body === undefined || body === null || (typeof body === 'object' && Object.keys(body).length === 0)) {
    return {};
  }
  const keys = typeof body === 'object' ? Object.keys(body) : [];
  const version = (body as { version?: unknown }).version;
  if (keys.some(key => key !== 'version') || typeof version !== 'string' || !VERSION.test(version)) {
    throw new InputError('version: must be a template version such as 1.1.0, and nothing else');
  }
  return { version };
}
