// Stop sequences through the gateway (client-apis.md §C.2): they reach Ollama as options.stop, and
// a hit comes back as a plain end (`end_turn` / `stop`, `stop_sequence: null`) because Ollama
// reports `done_reason: "stop"` for EOS and a stop string alike and strips the string.
import type Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { anthropicSdks, nextChat, optionsOf } from '../helpers/conformance.js';
import { sharedStack } from '../helpers/stack.js';

const stack = sharedStack();

const prompt = 'Count [[sim:reply one two three END four five]]';

describe.each(anthropicSdks)('$sdk: stop_sequences', (sdk) => {
  let client: Anthropic;
  beforeAll(() => {
    client = sdk.make({ baseURL: stack.url, apiKey: 'test-key', maxRetries: 0 });
  });

  it.each([false, true])(
    'a stop-sequence hit ends as end_turn with stop_sequence null, text cut before it (streamed: %s)',
    async (streamed) => {
      const upstream = nextChat(stack.hosts[0]!);
      const params = {
        model: 'llama3.2',
        max_tokens: 100,
        stop_sequences: ['END'],
        messages: [{ role: 'user' as const, content: prompt }],
      };
      const message = streamed
        ? await client.messages.stream(params).finalMessage()
        : await client.messages.create(params);
      expect(optionsOf(await upstream).stop).toEqual(['END']);
      expect(message.stop_reason).toBe('end_turn');
      expect(message.stop_sequence).toBeNull();
      const text = message.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
      expect(text).toContain('one two three');
      expect(text).not.toContain('END');
      expect(text).not.toContain('four');
    },
  );
});

describe('openai v6: stop', () => {
  it.each([false, true])(
    'a stop hit finishes with stop, text cut before it (streamed: %s)',
    async (streamed) => {
      const client = new OpenAI({ baseURL: `${stack.url}/v1`, apiKey: 'test-key', maxRetries: 0 });
      const upstream = nextChat(stack.hosts[0]!);
      const params = {
        model: 'llama3.2',
        stop: 'END',
        messages: [{ role: 'user' as const, content: prompt }],
      };
      const completion = streamed
        ? await client.chat.completions.stream(params).finalChatCompletion()
        : await client.chat.completions.create(params);
      expect(optionsOf(await upstream).stop).toEqual(['END']);
      expect(completion.choices[0]!.finish_reason).toBe('stop');
      expect(completion.choices[0]!.message.content).toContain('one two three');
      expect(completion.choices[0]!.message.content).not.toContain('END');
      expect(completion.choices[0]!.message.content).not.toContain('four');
    },
  );
});
