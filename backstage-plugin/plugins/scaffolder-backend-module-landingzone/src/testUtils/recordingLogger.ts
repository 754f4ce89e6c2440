import type { LoggerService } from '@backstage/backend-plugin-api';

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
}

/** A task logger that keeps every line, for asserting what a developer sees in the task log. */
export class RecordingLogger implements LoggerService {
  readonly lines: LogLine[] = [];

  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }

  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }

  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }

  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }

  child(): LoggerService {
    return this;
  }

  get messages(): string[] {
    return this.lines.map(line => line.message);
  }

  text(): string {
    return this.messages.join('\n');
  }
}

/** Resolves once `condition` holds; rejects after `timeoutMs`. */
export async function eventually(
  condition: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}`);
    }
    await new Promise(resolve => setImmediate(resolve));
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}
