import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ErrorDetail, LandingZoneRequest, Preview, ProgressEvent } from '../client/types';
import { isTerminal } from '../client/types';
import { type FakeBehaviour, FakeLandingZones } from './fakeLandingZones';
import { checkMembership, validateRequest } from './fakeValidation';

/** How the fake serves `/events/stream`. */
export type StreamMode = 'sse' | 'unavailable' | 'closes-after-first-event';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/**
 * A real HTTP server on 127.0.0.1 that answers like the Landing Zone service:
 * bearer auth, validation with the service's error shape, idempotency keys,
 * events (paged and as server-sent events) and previews.
 */
export class FakeLandingZoneService {
  readonly token = 'test-token';
  readonly received: ReceivedRequest[] = [];
  readonly landingZones: FakeLandingZones;
  streamMode: StreamMode = 'sse';
  /** Set: the configured credential lacks this scope, and every create or preview gets a 403. */
  lacksScope: string | undefined;
  private readonly server: Server;
  private readonly idempotencyKeys = new Map<string, { body: string; id: string }>();
  private readonly openStreams = new Set<ServerResponse>();

  private constructor(behaviour: FakeBehaviour) {
    this.landingZones = new FakeLandingZones(behaviour);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(error => send(res, 500, { detail: String(error) }));
    });
  }

  static async start(behaviour: Partial<FakeBehaviour> = {}): Promise<FakeLandingZoneService> {
    const service = new FakeLandingZoneService({ stepDelayMs: 5, ...behaviour });
    await new Promise<void>(resolve => service.server.listen(0, '127.0.0.1', resolve));
    return service;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Requests the action sent to create landing zones. */
  get creations(): ReceivedRequest[] {
    return this.received.filter(r => r.method === 'POST' && r.path === '/v1/landing-zones');
  }

  async stop(): Promise<void> {
    this.landingZones.stop();
    for (const stream of this.openStreams) {
      stream.destroy();
    }
    this.server.closeAllConnections();
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readJson(req);
    this.received.push({ method: req.method ?? 'GET', path: url.pathname, headers: req.headers, body });
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      sendErrors(res, 401, [{ loc: ['header', 'authorization'], msg: 'Missing or invalid bearer token', type: 'unauthorized' }]);
      return;
    }
    const route = `${req.method} ${url.pathname}`;
    if (route.startsWith('POST /v1/landing-zones') && !this.admitted(req, res, body)) {
      return;
    }
    if (route === 'POST /v1/landing-zones') {
      this.create(req, res, body);
      return;
    }
    if (route === 'POST /v1/landing-zones:preview') {
      const errors = validateRequest(body);
      if (errors.length > 0) sendErrors(res, 422, errors);
      else send(res, 200, preview(body as LandingZoneRequest));
      return;
    }
    const match = /^\/v1\/landing-zones\/([^/]+)(\/events(\/stream)?)?$/.exec(url.pathname);
    const record = match?.[1] ? this.landingZones.find(match[1]) : undefined;
    if (req.method !== 'GET' || !match || !record) {
      sendErrors(res, 404, [{ loc: ['path', 'id'], msg: 'Landing zone not found', type: 'not_found' }]);
      return;
    }
    const after = Math.max(Number(url.searchParams.get('after') ?? 0), Number(req.headers['last-event-id'] ?? 0));
    if (!match[2]) {
      send(res, 200, record.landingZone);
    } else if (!match[3]) {
      send(res, 200, { events: record.events.filter(e => e.seq > after), status: record.landingZone.status });
    } else if (this.streamMode === 'unavailable') {
      sendErrors(res, 404, [{ loc: ['path'], msg: 'Not Found', type: 'not_found' }]);
    } else {
      this.stream(res, match[1] as string, after);
    }
  }

  /** What the service checks at the door before anything else: the scope, then membership. */
  private admitted(req: IncomingMessage, res: ServerResponse, body: unknown): boolean {
    if (this.lacksScope) {
      const msg = `this credential lacks the scope ${this.lacksScope}`;
      sendErrors(res, 403, [{ loc: ['header', 'authorization'], msg, type: 'forbidden' }]);
      return false;
    }
    if (validateRequest(body).length > 0) {
      return true; // the 422 comes first
    }
    const refused = checkMembership(req.headers, body);
    if (refused.length > 0) {
      sendErrors(res, 403, refused);
      return false;
    }
    return true;
  }

  private create(req: IncomingMessage, res: ServerResponse, body: unknown): void {
    const errors = validateRequest(body);
    if (errors.length > 0) {
      sendErrors(res, 422, errors);
      return;
    }
    const key = req.headers['idempotency-key'];
    const canonical = JSON.stringify(body);
    if (typeof key === 'string') {
      const known = this.idempotencyKeys.get(key);
      if (known && known.body !== canonical) {
        sendErrors(res, 409, [{ loc: ['header', 'idempotency-key'], msg: 'Key already used with a different request', type: 'conflict' }]);
        return;
      }
      if (known) {
        send(res, 200, this.landingZones.find(known.id)?.landingZone);
        return;
      }
    }
    const landingZone = this.landingZones.start(body as LandingZoneRequest);
    if (typeof key === 'string') {
      this.idempotencyKeys.set(key, { body: canonical, id: landingZone.id });
    }
    res.setHeader('Location', `/v1/landing-zones/${landingZone.id}`);
    send(res, 202, landingZone);
  }

  private stream(res: ServerResponse, id: string, after: number): void {
    const record = this.landingZones.find(id);
    if (!record) return;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    res.write(': connected\n\n');
    this.openStreams.add(res);
    const changes = this.landingZones.changes;
    let sent = 0;
    const write = (event: ProgressEvent): void => {
      // Split across writes on purpose: clients must not assume one event per chunk.
      const text = `id: ${event.seq}\r\nevent: progress\r\ndata: ${JSON.stringify(event)}\r\n\r\n`;
      const middle = Math.floor(text.length / 2);
      res.write(text.slice(0, middle));
      res.write(text.slice(middle));
      sent += 1;
      if (this.streamMode === 'closes-after-first-event' && sent === 1) {
        close();
        res.end();
      }
    };
    const end = (): void => {
      res.write(`event: end\ndata: ${JSON.stringify(record.landingZone)}\n\n`);
      close();
      res.end();
    };
    const close = (): void => {
      changes.off(`event:${id}`, write);
      changes.off(`end:${id}`, end);
      this.openStreams.delete(res);
    };
    res.on('close', close);
    for (const event of record.events.filter(e => e.seq > after)) {
      if (!this.openStreams.has(res)) return;
      write(event);
    }
    if (!this.openStreams.has(res)) return;
    if (isTerminal(record.landingZone.status)) {
      end();
      return;
    }
    changes.on(`event:${id}`, write);
    changes.on(`end:${id}`, end);
  }
}

function preview(request: LandingZoneRequest): Preview {
  const project = request.tenant.toUpperCase();
  const folder = `${request.tenant}/${request.name}`;
  return {
    names: {
      repository: { project, slug: request.name },
      environment_repository: { project, slug: `${request.name}-env` },
      jenkins_folder: folder,
      build_job: `${folder}/build`,
      promote_job: `${folder}/promote`,
    },
    approval_required: request.tenant === 'retail',
    files: ['Jenkinsfile', 'Dockerfile', 'catalog-info.yaml', 'README.md', `src/main/java/${request.name}/App.java`],
    environment_files: ['environments/dev/kustomization.yaml', 'environments/prod/kustomization.yaml'],
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendErrors(res: ServerResponse, status: number, detail: ErrorDetail[]): void {
  send(res, status, { detail });
}
