// A member's listing as it travels (columns, common name prefix, dictionaries): any listing
// comes back as it was through JSON, and columns that do not fit together are a typed error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ChannelListEntry } from '../../src/channels/index.js';
import {
  decodeListing,
  encodeListing,
  type ClusterListEntry,
} from '../../src/cluster/list-codec.js';

const entry = fc.record({
  name: fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.nat().map((n) => `web1.3.conn${n}`),
  ),
  worker: fc.constantFrom('main', '1', '2'),
  start: fc.integer({ min: 0, max: 2 ** 45 }),
  driver: fc.constantFrom('http:0', 'https:1', ''),
  peer: fc.oneof(fc.constantFrom('127.0.0.1', '::1'), fc.ipV4()),
  sent: fc.nat(),
  received: fc.nat(),
  clientData: fc.option(fc.oneof(fc.string(), fc.integer(), fc.constant({ a: [1] })), {
    nil: undefined,
  }),
  callback: fc.constantFrom('', 'websocket', 'myproc'),
  condition: fc.constantFrom('', 'r', 'rx'),
}) satisfies fc.Arbitrary<ChannelListEntry>;

const owner = { id: 'web2.1', node: 'web2' };

describe('cluster listing columns', () => {
  test('any listing decodes, through JSON, to what was encoded, with its owner', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 40 }), (entries) => {
        const wire = JSON.parse(JSON.stringify(encodeListing(entries))) as unknown;
        const out: ClusterListEntry[] = [];
        decodeListing(wire, owner, out);
        const want = entries.map((e) => ({
          ...e,
          // JSON has no undefined in an array: a channel without client data among some with it
          clientData: entries.some((x) => x.clientData !== undefined)
            ? (e.clientData ?? null)
            : undefined,
          member: owner.id,
          node: owner.node,
        }));
        assert.deepEqual(out, want);
      }),
    );
  });

  test('10,000 channels of one member travel in well under half the bytes of one row each', () => {
    const entries = Array.from({ length: 10_000 }, (_, i) => ({
      name: `web1.3.conn${i + 1}`,
      worker: 'main',
      start: 1_765_000_000_000 + i,
      driver: 'bench-fanout:0',
      peer: '127.0.0.1',
      sent: 0,
      received: 0,
      clientData: undefined,
      callback: 'websocket',
      condition: 'r',
    }));
    const columns = JSON.stringify(encodeListing(entries)).length;
    const rows = JSON.stringify(entries.map((e) => Object.values(e))).length;
    assert.ok(columns < rows / 2, `${columns} bytes as columns, ${rows} as rows`);
  });

  test('columns that do not fit together are ERR_CLUSTER_BAD_ANSWER, and nothing is added', () => {
    const good = JSON.parse(
      JSON.stringify(encodeListing([{ ...fc.sample(entry, 1)[0], name: 'a.1.conn1' }])),
    ) as Record<string, unknown>;
    const broken: Record<string, unknown>[] = [
      { ...good, n: 2 },
      { ...good, n: -1 },
      { ...good, names: 'a' },
      { ...good, start: ['x'] },
      { ...good, peer: [['127.0.0.1'], [5]] },
      { ...good, worker: [[], []] },
      { ...good, clientData: [1, 2] },
      { ...good, prefix: 7 },
    ];
    // An index out of range on the last of three channels: the first two are not kept either.
    const three = JSON.parse(
      JSON.stringify(
        encodeListing(fc.sample(entry, 3).map((e, i) => ({ ...e, name: `a.1.conn${i}` }))),
      ),
    ) as { peer: [string[], number[]] };
    three.peer[1][2] = 9;
    for (const b of [null, 'x', ...broken, three]) {
      const out: ClusterListEntry[] = [];
      assert.throws(
        () => decodeListing(b, owner, out),
        (e: { code?: string }) => e.code === 'ERR_CLUSTER_BAD_ANSWER',
        JSON.stringify(b),
      );
      assert.equal(out.length, 0);
    }
  });
});
