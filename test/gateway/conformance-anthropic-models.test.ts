// GET /v1/models/{id} with the official Anthropic SDKs (1.x and 0.x, same cases): the entry the
// shared models path returns (client-apis.md §A.10, §C.10) and Anthropic's error for an unknown id.
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anthropicSdks } from '../helpers/conformance.js';
import { startStack } from '../helpers/stack.js';
import type { Stack } from '../helpers/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ hosts: [{ tps: 0, loadMs: 0 }] });
});
afterAll(() => stack.close());

describe.each(anthropicSdks)('$sdk: models.retrieve', (sdk) => {
  let client: Anthropic;
  beforeAll(() => {
    client = sdk.make({ baseURL: stack.url, apiKey: 'test-key', maxRetries: 0 });
  });

  it.each(['llama3.2', 'llama3.2:latest'])(
    'retrieve(%j) gives the installed model as an Anthropic ModelInfo',
    async (id) => {
      const model = await client.models.retrieve(id);
      expect(model).toMatchObject({
        type: 'model',
        id: 'llama3.2:latest',
        display_name: 'llama3.2:latest',
      });
      // RFC 3339 in whole seconds, as Anthropic sends it.
      expect(model.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    },
  );

  it('retrieve gives the same entry models.list does', async () => {
    const listed: Anthropic.ModelInfo[] = [];
    for await (const m of client.models.list()) listed.push(m);
    const retrieved = await client.models.retrieve('qwen3:8b');
    expect(listed.find((m) => m.id === 'qwen3:8b')).toEqual(retrieved);
  });

  it("an unknown id is the SDK's NotFoundError with Anthropic's error body and a request id", async () => {
    const err: unknown = await client.models.retrieve('no-such-model').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(sdk.NotFoundError);
    const e = err as InstanceType<typeof sdk.NotFoundError>;
    expect(e.status).toBe(404);
    expect(e.requestID).toBeTruthy();
    expect(e.error).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: expect.stringContaining('no-such-model') as unknown },
      request_id: e.requestID,
    });
  });
});
