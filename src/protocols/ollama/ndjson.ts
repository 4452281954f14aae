/**
 * Splits an NDJSON byte stream into lines (ollama-api.md §1: one object per `\n`-terminated line).
 * This runs for every streamed token, so each byte is scanned once: a chunk is searched for `\n`
 * from where the last search stopped, and a partial line is kept as a list of slices that is
 * joined only when its newline arrives. Lines are decoded as whole byte runs, so a UTF-8
 * character split across chunks decodes correctly.
 */
import { CorralError } from '../../core/errors.js';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** Ollama lines are small; a runaway line (no newline from a broken upstream) must not grow forever. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface NdjsonSplitterOptions {
  maxLineBytes?: number;
}

export class NdjsonSplitter {
  readonly #maxLineBytes: number;
  readonly #decoder = new TextDecoder();
  /** Bytes of the current, unterminated line, in arrival order. */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(options: NdjsonSplitterOptions = {}) {
    this.#maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Complete, non-empty lines ended by this chunk, without their `\n` / `\r\n`. */
  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    let start = 0;
    let newline = chunk.indexOf(NEWLINE, start);
    while (newline !== -1) {
      this.#emit(lines, chunk.subarray(start, newline));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start));
    return lines;
  }

  /** The final line when the stream ended without a newline. */
  end(): string[] {
    const lines: string[] = [];
    if (this.#pendingBytes > 0) this.#emit(lines, new Uint8Array(0));
    this.#pending = [];
    this.#pendingBytes = 0;
    return lines;
  }

  #keep(part: Uint8Array): void {
    this.#checkLength(part.length);
    // Copy: the caller may reuse its buffer (undici can hand out pooled memory).
    this.#pending.push(part.slice());
    this.#pendingBytes += part.length;
  }

  #emit(lines: string[], tail: Uint8Array): void {
    this.#checkLength(tail.length);
    let bytes = tail;
    if (this.#pendingBytes > 0) {
      bytes = joinBytes(this.#pending, this.#pendingBytes, tail);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CARRIAGE_RETURN) end -= 1;
    if (end === 0) return;
    const line = this.#decoder.decode(bytes.subarray(0, end));
    if (line.trim() !== '') lines.push(line);
  }

  #checkLength(adding: number): void {
    if (this.#pendingBytes + adding <= this.#maxLineBytes) return;
    this.#pending = [];
    this.#pendingBytes = 0;
    throw new CorralError('upstream', `upstream sent an NDJSON line longer than ${this.#maxLineBytes} bytes`);
  }
}

function joinBytes(parts: Uint8Array[], size: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(size + tail.length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  out.set(tail, offset);
  return out;
}

/**
 * Parsed objects from a byte stream: a convenience over `NdjsonSplitter` for callers that do not
 * need to interleave their own work between lines. A line that is not JSON is an upstream fault.
 */
export async function* parseNdjson(
  chunks: AsyncIterable<Uint8Array>,
  options: NdjsonSplitterOptions = {},
): AsyncGenerator<unknown> {
  const splitter = new NdjsonSplitter(options);
  for await (const chunk of chunks) {
    for (const line of splitter.push(chunk)) yield parseLine(line);
  }
  for (const line of splitter.end()) yield parseLine(line);
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch (cause) {
    throw new CorralError('upstream', 'upstream sent an NDJSON line that is not JSON', { cause });
  }
}
