// The batch format between members, and the cluster verbs in one process (the default
// in-process broker): local names answer here, foreign ones fail with a typed error.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Buffer } from 'node:buffer';
import {
  decodeBatch,
  encodeBatch,
  exists,
  list,
  members,
  ownerOf,
  status,
} from '../../src/cluster/index.js';

describe('cluster batches', () => {
  test('any batch decodes to what was encoded; any cut or extra byte is a typed error', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 40 }),
        fc.nat(),
        fc.array(fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.boolean()), { maxLength: 20 }),
        fc.nat(),
        (id, seq, msgs, cutAt) => {
          const payloads = msgs.map(([p]) => Buffer.from(p));
          const binary = msgs.map(([, b]) => b);
          const bytes = encodeBatch(id.slice(0, 60), seq >>> 0, payloads, binary);
          const back = decodeBatch(bytes);
          assert.equal(back.publisher, id.slice(0, 60));
          assert.equal(back.firstSeq, seq >>> 0);
          assert.deepEqual(
            back.payloads.map((p) => [...p]),
            payloads.map((p) => [...p]),
          );
          assert.deepEqual(back.binary, binary);
          const cut = cutAt % bytes.length;
          assert.throws(() => decodeBatch(bytes.subarray(0, cut)), {
            code: 'ERR_CLUSTER_BAD_BATCH',
          });
          assert.throws(() => decodeBatch(Buffer.concat([bytes, Buffer.from([0])])), {
            code: 'ERR_CLUSTER_BAD_BATCH',
          });
        },
      ),
    );
  });
});

describe('cluster verbs in one process', () => {
  test('names without a member id are local; a foreign member is a typed error', async () => {
    assert.equal(ownerOf('conn5'), undefined);
    assert.equal(ownerOf('ab12.3.conn5'), 'ab12.3');
    assert.equal(ownerOf('AB.3.conn5'), undefined);
    assert.deepEqual(await list({ cluster: true }), []);
    assert.equal(members().length, 1);
    assert.equal(await exists('conn12345'), false);
    await assert.rejects(status('conn12345'), { code: 'ERR_CHAN_NOT_FOUND' });
    await assert.rejects(status('zz.1.conn1'), { code: 'ERR_CLUSTER_MEMBER_GONE' });
  });
});

describe('without the redis package', () => {
  test('a Redis URL fails with RedisClientMissingError, and nothing else changes', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { joinCluster, currentNode } from './src/cluster/index.ts';
      try {
        await joinCluster({ broker: 'redis://127.0.0.1:1' });
        console.log('joined?');
      } catch (err) {
        console.log(err.name, err.code, currentNode().broker.kind);
      }`;
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        './test/cluster/fixtures/without-redis.mjs',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(
      r.stdout.trim(),
      'RedisClientMissingError ERR_CLUSTER_REDIS_CLIENT_MISSING memory',
      r.stderr,
    );
  });
});
