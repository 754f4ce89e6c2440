import { SseParser } from './sse';

describe('SseParser', () => {
  it('hands out an event once its blank line arrives, whatever the chunking', () => {
    const text = 'id: 7\nevent: progress\ndata: {"seq":7}\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(events).toEqual([{ event: 'progress', data: '{"seq":7}', id: '7' }]);
    }
  });

  it('accepts CRLF line ends, even when a chunk ends between CR and LF', () => {
    const parser = new SseParser();
    const events = [
      ...parser.push('event: end\r'),
      ...parser.push('\ndata: {}\r\n\r'),
      ...parser.push('\n'),
    ];
    expect(events).toEqual([{ event: 'end', data: '{}' }]);
  });

  it('joins multi-line data, skips comments and events without data', () => {
    const parser = new SseParser();
    const events = parser.push(': keep-alive\n\nevent: ping\n\ndata: a\ndata: b\n\n');
    expect(events).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('keeps the last event id for later events', () => {
    const parser = new SseParser();
    const events = parser.push('id: 3\ndata: x\n\ndata: y\n\n');
    expect(events.map(e => e.id)).toEqual(['3', '3']);
  });
});
