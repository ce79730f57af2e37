// The acceptances the package's wrapper remembers (js/src/recent.ts): at most
// as many as the core's own cache, the oldest forgotten first.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const { Recent } = await import(new URL('./node_modules/mcp-edge-auth/dist/recent.js', import.meta.url));

test('remembered acceptances are bounded and the oldest goes first', () => {
  const limit = 4096;
  const r = new Recent(limit);
  const keys = Array.from({ length: 3 * limit + 7 }, (_, i) => `token-${i}`);
  for (const [i, k] of keys.entries()) {
    r.set(k, i);
    assert.ok(r.size <= limit, `${r.size} held after ${i + 1}`);
  }
  assert.equal(r.size, limit);
  const kept = keys.slice(-limit);
  for (const [i, k] of kept.entries()) assert.equal(r.get(k), keys.length - limit + i);
  for (const k of keys.slice(0, -limit)) assert.equal(r.get(k), undefined);
});

test('storing a held key again replaces its value and forgets nothing', () => {
  const r = new Recent(2);
  r.set('a', 1);
  r.set('b', 2);
  r.set('a', 3);
  assert.deepEqual([r.size, r.get('a'), r.get('b')], [2, 3, 2]);
  // It keeps its first place in the order: the next new key replaces it.
  r.set('c', 4);
  assert.deepEqual([r.size, r.get('a'), r.get('b'), r.get('c')], [2, undefined, 2, 4]);
});
