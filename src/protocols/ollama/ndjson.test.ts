import { describe, expect, it } from 'vitest';
import { NdjsonSplitter, parseNdjson } from './ndjson.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function split(chunks: Array<string | Uint8Array>, maxLineBytes?: number): string[] {
  const splitter = new NdjsonSplitter(maxLineBytes === undefined ? {} : { maxLineBytes });
  const lines = chunks.flatMap((chunk) => splitter.push(typeof chunk === 'string' ? bytes(chunk) : chunk));
  return [...lines, ...splitter.end()];
}

describe('NdjsonSplitter', () => {
  const euro = bytes('{"t":"€"}\n'); // "€" is three bytes
  it.each<[string, Array<string | Uint8Array>, string[]]>([
    ['one line per chunk', ['{"a":1}\n', '{"b":2}\n'], ['{"a":1}', '{"b":2}']],
    ['several lines in one chunk', ['{"a":1}\n{"b":2}\n{"c":3}\n'], ['{"a":1}', '{"b":2}', '{"c":3}']],
    ['a line across three chunks', ['{"a":', '"x', 'y"}\n'], ['{"a":"xy"}']],
    ['CRLF endings', ['{"a":1}\r\n{"b":2}\r', '\n'], ['{"a":1}', '{"b":2}']],
    ['final line without newline', ['{"a":1}\n{"done":true}'], ['{"a":1}', '{"done":true}']],
    ['blank lines skipped', ['\n\n{"a":1}\n \n\r\n'], ['{"a":1}']],
    ['UTF-8 character split across chunks', [euro.subarray(0, 7), euro.subarray(7)], ['{"t":"€"}']],
    ['empty chunks', ['', '{"a":1}', '', '\n'], ['{"a":1}']],
  ])('%s', (_name, chunks, lines) => {
    expect(split(chunks)).toStrictEqual(lines);
  });

  it('copies a kept partial line, so a reused buffer cannot corrupt it', () => {
    const splitter = new NdjsonSplitter();
    const buffer = bytes('{"a":');
    splitter.push(buffer);
    buffer.fill(0x20);
    expect(splitter.push(bytes('1}\n'))).toStrictEqual(['{"a":1}']);
  });

  it.each<[string, string[]]>([
    ['a partial line growing over chunks', ['{"a":"', 'xxxxxxxx', 'xxxxxxxx"}\n']],
    ['one long line in a single chunk', ['{"a":"xxxxxxxxxxxxxxxxxxxxxxxx"}\n']],
    ['a long final line without newline', ['{"a":"xxxxxxxxxxxxxxxxxxxxxxxx"}']],
  ])('refuses %s over the limit', (_name, chunks) => {
    expect(() => split(chunks, 16)).toThrow('upstream sent an NDJSON line longer than 16 bytes');
  });

  it('accepts a line of exactly the limit', () => {
    expect(split(['{"a":"xxxxxxxx"}\n'], 16)).toStrictEqual(['{"a":"xxxxxxxx"}']);
  });
});

describe('parseNdjson', () => {
  async function* source(parts: string[]): AsyncGenerator<Uint8Array> {
    for (const part of parts) yield bytes(part);
  }

  it('yields parsed objects', async () => {
    const out: unknown[] = [];
    for await (const value of parseNdjson(source(['{"a":1}\n{"b"', ':2}']))) out.push(value);
    expect(out).toStrictEqual([{ a: 1 }, { b: 2 }]);
  });

  it('fails with an upstream error on a line that is not JSON', async () => {
    await expect(async () => {
      for await (const _ of parseNdjson(source(['{"a":1}\nnot json\n']))) void _;
    }).rejects.toThrow('upstream sent an NDJSON line that is not JSON');
  });
});
