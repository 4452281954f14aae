/**
 * Child process for the crash-safety test: records usage rows one by one and reports each after
 * its commit resolved, until it is killed. Run with `node --import tsx <this> <db path>`.
 */
import { openStore } from '../open-store.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: crash-writer.fixture.ts <db path>');
const store = await openStore({ kind: 'sqlite', path });
for (let n = 0; n < 1_000_000; n++) {
  await store.recordUsage({
    requestId: `crash-${n}`,
    tenantId: 'acme',
    model: 'm',
    backend: 'gpu-1',
    isCloud: false,
    protocol: 'ollama',
    inputTokens: n,
    outputTokens: 1,
    queueWaitMs: 0,
    processingMs: 1,
    status: 'ok',
    cancelled: false,
    finishedAt: Date.now(),
  });
  process.stdout.write(`ok ${n}\n`);
}
await store.close();
