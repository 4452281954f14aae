/**
 * Server-sent events from a byte stream, frame by frame, as the HTML spec splits them: lines end
 * in LF or CRLF, `event:` names the frame, `data:` lines are joined with LF, comments (`:`) are
 * skipped, a blank line ends the frame. Only what our gateway and Anthropic's API send matters.
 */

/** One frame: its event name (`message` when none was given) and its raw data text. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Frames of an SSE body as they complete. A partial frame at the end is dropped. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  let event = '';
  let data: string[] = [];
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
      if (line === '') {
        if (data.length > 0) yield { event: event === '' ? 'message' : event, data: data.join('\n') };
        event = '';
        data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
  }
}
