import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Reply = { status: number; body: unknown };

/**
 * An HTTP server on 127.0.0.1 standing in for the Landing Zone service: it answers each
 * `METHOD path` with what the test set, and records every request it was sent.
 */
export class FakeService {
  readonly requests: Recorded[] = [];
  private readonly replies = new Map<string, Reply>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeService> {
    let fake: FakeService | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        const recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
        fake?.requests.push(recorded);
        const reply = fake?.replies.get(`${recorded.method} ${recorded.path}`) ?? {
          status: 404,
          body: { detail: [{ loc: ['path', 'id'], msg: 'landing zone not found', type: 'not_found' }] },
        };
        res.writeHead(reply.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(reply.body));
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeService(server);
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  answer(method: string, path: string, status: number, body: unknown): void {
    this.replies.set(`${method} ${path}`, { status, body });
  }

  async stop(): Promise<void> {
    await new Promise<void>(resolve => this.server.close(() => resolve()));
  }
}
