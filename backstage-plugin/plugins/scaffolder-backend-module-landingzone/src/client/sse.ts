/** Incremental parser for `text/event-stream` bodies (WHATWG "server-sent events"). */

export interface ServerSentEvent {
  /** The `event:` field; `message` when the server sent none. */
  event: string;
  data: string;
  id?: string;
}

/**
 * Feeds chunks of a stream in, hands complete events out. Lines may end in
 * CRLF, LF or CR, and a chunk may stop anywhere, even between CR and LF.
 */
export class SseParser {
  private buffer = '';
  private eventType = '';
  private dataLines: string[] = [];
  private lastEventId: string | undefined;
  private pendingCarriageReturn = false;

  push(chunk: string): ServerSentEvent[] {
    let text = chunk;
    if (this.pendingCarriageReturn && text.startsWith('\n')) {
      text = text.slice(1);
    }
    this.pendingCarriageReturn = false;
    this.buffer += text;
    const events: ServerSentEvent[] = [];
    let lineEnd = this.findLineEnd();
    while (lineEnd !== -1) {
      const line = this.buffer.slice(0, lineEnd);
      let rest = lineEnd + 1;
      if (this.buffer[lineEnd] === '\r') {
        if (rest === this.buffer.length) {
          this.pendingCarriageReturn = true;
        } else if (this.buffer[rest] === '\n') {
          rest += 1;
        }
      }
      this.buffer = this.buffer.slice(rest);
      const event = this.processLine(line);
      if (event) {
        events.push(event);
      }
      lineEnd = this.findLineEnd();
    }
    return events;
  }

  private findLineEnd(): number {
    const lf = this.buffer.indexOf('\n');
    const cr = this.buffer.indexOf('\r');
    if (lf === -1) return cr;
    if (cr === -1) return lf;
    return Math.min(lf, cr);
  }

  private processLine(line: string): ServerSentEvent | undefined {
    if (line === '') {
      return this.dispatch();
    }
    if (line.startsWith(':')) {
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.eventType = value;
    } else if (field === 'data') {
      this.dataLines.push(value);
    } else if (field === 'id' && !value.includes('\0')) {
      this.lastEventId = value;
    }
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const hasData = this.dataLines.length > 0;
    const event: ServerSentEvent = {
      event: this.eventType || 'message',
      data: this.dataLines.join('\n'),
      ...(this.lastEventId !== undefined ? { id: this.lastEventId } : {}),
    };
    this.eventType = '';
    this.dataLines = [];
    return hasData ? event : undefined;
  }
}

/** Reads a fetch body as server-sent events, until the stream closes. */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ServerSentEvent> {
  const parser = new SseParser();
  const decoder = new TextDecoder();
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    yield* parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
