import { describe, expect, it } from 'vitest';
import { parseScript, stripDirectives } from './script.js';
import type { SimScript } from './script.js';

const base: SimScript = { toolCalls: [], toolCallsOnFinal: false };

describe('parseScript', () => {
  const cases: Array<[string, string | undefined, string | undefined, SimScript | undefined]> = [
    ['no directive', 'hello there', undefined, undefined],
    ['reply', 'x [[sim:reply Hello, world!]]', undefined, { ...base, reply: 'Hello, world!' }],
    ['echo', '[[sim:echo]] repeat me', undefined, { ...base, echo: true }],
    ['think with text', '[[sim:think pondering deeply]]', undefined, { ...base, think: 'pondering deeply' }],
    ['think generated', '[[sim:think]]', undefined, { ...base, think: '' }],
    [
      'tool',
      '[[sim:tool get_weather {"city":"Paris"}]]',
      undefined,
      { ...base, toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] },
    ],
    [
      'tool without args',
      '[[sim:tool now]]',
      undefined,
      { ...base, toolCalls: [{ name: 'now', arguments: {} }] },
    ],
    [
      'parallel tools',
      '[[sim:tool a {"x":1}]] [[sim:tool b {"y":2}]]',
      undefined,
      {
        ...base,
        toolCalls: [
          { name: 'a', arguments: { x: 1 } },
          { name: 'b', arguments: { y: 2 } },
        ],
      },
    ],
    [
      'tool_final',
      '[[sim:tool_final f {"q":"z"}]]',
      undefined,
      { ...base, toolCalls: [{ name: 'f', arguments: { q: 'z' } }], toolCallsOnFinal: true },
    ],
    ['long', '[[sim:long 500]]', undefined, { ...base, longTokens: 500 }],
    ['slow', '[[sim:slow 25]]', undefined, { ...base, slowMs: 25 }],
    [
      'fail_before',
      '[[sim:fail_before 503 overloaded now]]',
      undefined,
      { ...base, failBefore: { status: 503, message: 'overloaded now' } },
    ],
    [
      'fail_before default message',
      '[[sim:fail_before 500]]',
      undefined,
      { ...base, failBefore: { status: 500, message: 'simulated failure' } },
    ],
    [
      'fail_after',
      '[[sim:fail_after 3 boom]]',
      undefined,
      { ...base, failAfter: { chunks: 3, message: 'boom' } },
    ],
    ['hang', '[[sim:hang]]', undefined, { ...base, hang: true }],
    ['hold with label', '[[sim:hold gate1]]', undefined, { ...base, hold: { label: 'gate1' } }],
    ['hold without label', '[[sim:hold]]', undefined, { ...base, hold: { label: undefined } }],
    ['header bare command', 'hi', 'slow 10', { ...base, slowMs: 10 }],
    [
      'header with brackets, text adds more',
      '[[sim:long 3]]',
      '[[sim:slow 1]][[sim:echo]]',
      { ...base, slowMs: 1, echo: true, longTokens: 3 },
    ],
    [
      'text overrides header for the same kind',
      '[[sim:reply from text]]',
      'reply from header',
      { ...base, reply: 'from text' },
    ],
  ];
  it.each(cases)('%s', (_name, text, header, expected) => {
    const r = parseScript(text, header);
    expect(r).toEqual({ ok: true, script: expected });
  });

  const bad: Array<[string, string]> = [
    ['unknown command', '[[sim:explode]]'],
    ['long without number', '[[sim:long many]]'],
    ['slow negative', '[[sim:slow -1]]'],
    ['fail_before bad status', '[[sim:fail_before 200 ok]]'],
    ['fail_after missing count', '[[sim:fail_after]]'],
    ['tool bad JSON', '[[sim:tool f {nope}]]'],
    ['tool array arguments', '[[sim:tool f [1,2]]]'],
    ['tool without name', '[[sim:tool]]'],
  ];
  it.each(bad)('rejects %s', (_name, text) => {
    const r = parseScript(text, undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^invalid sim directive/);
  });

  it('strips directives for echo', () => {
    expect(stripDirectives('say [[sim:echo]] this')).toBe('say  this');
    expect(stripDirectives('plain')).toBe('plain');
  });
});
