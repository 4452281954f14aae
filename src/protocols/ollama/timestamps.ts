/**
 * Ollama's `created_at`: Go's RFC3339Nano in UTC, trailing zeros of the fraction trimmed
 * (e.g. `2025-07-07T20:22:19.184789Z`, ollama-api.md §1). JavaScript clocks give microseconds
 * at best, so at most six fraction digits appear.
 */
export function rfc3339Nano(epochMs: number): string {
  const seconds = Math.floor(epochMs / 1000);
  const micros = Math.min(999_999, Math.round((epochMs - seconds * 1000) * 1000));
  const head = secondsHead(seconds);
  const fraction = String(micros).padStart(6, '0').replace(/0+$/, '');
  return fraction === '' ? `${head}Z` : `${head}.${fraction}Z`;
}

// A one-entry memo of the date part: every streamed chunk needs a timestamp and most share their
// second, while building the date string is the expensive part. It has no observable state.
let memoSeconds = NaN;
let memoHead = '';
function secondsHead(seconds: number): string {
  if (seconds !== memoSeconds) {
    memoSeconds = seconds;
    memoHead = new Date(seconds * 1000).toISOString().slice(0, 19);
  }
  return memoHead;
}

/** Now, with sub-millisecond digits from the monotonic clock's offset. */
export function nowRfc3339Nano(): string {
  return rfc3339Nano(performance.timeOrigin + performance.now());
}
