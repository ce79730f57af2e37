// A reduced bounded-load run (the full one: `node tests/js/load.mjs`, 50,000
// requests at 64 concurrent): mixed valid / invalid / insufficient-scope
// traffic with a key rotation half-way, through the real Worker in workerd.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runLoad } from './load.mjs';
import { repo } from './helpers.mjs';

test('reduced load: zero wrong decisions, zero 5xx, one refetch for the rotation, bounded memory', async () => {
  const r = await runLoad({ requests: 2000, concurrency: 16, out: `${repo}target/load/reduced.json` });
  console.log(`${r.requests} requests at ${r.concurrency} concurrent: ${r.requestsPerSecond}/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms, workerd peak RSS ${r.workerdRssKb.peak} kB`);
  assert.equal(r.wrongDecisions, 0);
  assert.equal(r.unexpected5xx, 0);
  assert.deepEqual(r.statuses, { 200: 1400, 401: 400, 403: 200 });
  assert.equal(r.keyFetches, 2, 'one fetch at start, one for the rotated kid');
  assert.ok(r.workerdRssKb.peak < 512 * 1024, `workerd used ${r.workerdRssKb.peak} kB`);
});
