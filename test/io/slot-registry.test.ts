// The registries of live connections, channels and WebSockets (io/slot-registry.ts): Map and
// Set semantics where the registries use them, and the reason they exist: churned through a
// Map or a Set, whole dead objects are promoted by young GCs (V8's obsolete hash tables chain);
// through a SlotMap or SlotSet they are not. Measured in child processes on old-space growth,
// never on time.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { SlotMap, SlotSet, type Slotted } from '../../src/io/slot-registry.js';

class Member implements Slotted {
  registrySlot = -1;
  constructor(readonly id: number) {}
}

describe('SlotSet', () => {
  test('adds, finds, deletes and reuses slots; iteration skips the deleted', () => {
    const set = new SlotSet<Member>();
    const [a, b, c] = [new Member(1), new Member(2), new Member(3)];
    set.add(a).add(b).add(c).add(b);
    assert.equal(set.size, 3);
    assert.ok(set.delete(b));
    assert.ok(!set.delete(b));
    assert.ok(!set.has(b));
    assert.equal(b.registrySlot, -1);
    assert.deepEqual(
      [...set].map((m) => m.id),
      [1, 3],
    );
    const d = new Member(4);
    set.add(d);
    assert.equal(d.registrySlot, 1, "b's slot is reused");
    assert.deepEqual(
      [...set].map((m) => m.id),
      [1, 4, 3],
    );
    assert.equal(set.size, 3);
  });

  test('a member deleted while iterating is not visited', () => {
    const set = new SlotSet<Member>();
    const members = Array.from({ length: 5 }, (_, i) => new Member(i));
    for (const m of members) set.add(m);
    const seen: number[] = [];
    for (const m of set) {
      seen.push(m.id);
      if (m.id === 1) set.delete(members[3]!);
    }
    assert.deepEqual(seen, [0, 1, 2, 4]);
  });
});

describe('SlotMap', () => {
  test('behaves as a Map of names: insertion order, replace in place, delete', () => {
    const map = new SlotMap<string>();
    const ref = new Map<string, string>();
    const ops: [string, string | undefined][] = [
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['b', undefined],
      ['d', '4'],
      ['a', '5'],
      ['b', '6'],
      ['c', undefined],
      ['e', '7'],
    ];
    for (const [k, v] of ops) {
      if (v === undefined) assert.equal(map.delete(k), ref.delete(k));
      else {
        map.set(k, v);
        ref.set(k, v);
      }
      assert.deepEqual([...map], [...ref]);
      assert.deepEqual([...map.keys()], [...ref.keys()]);
      assert.deepEqual([...map.values()], [...ref.values()]);
      assert.equal(map.size, ref.size);
    }
    assert.equal(map.get('a'), '5');
    assert.equal(map.get('c'), undefined);
    assert.ok(map.has('e') && !map.has('c'));
    assert.ok(!map.delete('zz'));
  });
});

describe('young GCs promote nothing a registry let go of', () => {
  const module = fileURLToPath(new URL('../../src/io/slot-registry.ts', import.meta.url));
  /**
   * KB by which old space grew while 6,000 objects of about 1.5 KB each went through a
   * registry of `kind`, 32 alive at a time, a young GC every 500. (Few enough that no full GC
   * comes in between: one frees the promoted objects and would hide what a Map does.)
   */
  async function oldSpaceGrowth(kind: string): Promise<number> {
    const script = `
      import { getHeapSpaceStatistics } from 'node:v8';
      import { SlotMap, SlotSet } from ${JSON.stringify(module)};
      const kind = ${JSON.stringify(kind)};
      const oldUsed = () =>
        getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
      class Life {
        registrySlot = -1;
        parts = [];
        constructor(n) {
          this.name = 'conn' + n;
          for (let i = 0; i < 16; i++) this.parts.push({ i, text: 'part ' + i + ' of ' + n, list: [i, n] });
        }
      }
      const registry = { Map: new Map(), Set: new Set(), SlotMap: new SlotMap(), SlotSet: new SlotSet() }[kind];
      const keyed = kind === 'Map' || kind === 'SlotMap';
      const live = [];
      let n = 0;
      function churn(count) {
        for (let i = 0; i < count; i++) {
          const life = new Life(++n);
          if (keyed) registry.set(life.name, life); else registry.add(life);
          live.push(life);
          if (live.length > 32) {
            const gone = live.shift();
            registry.delete(keyed ? gone.name : gone);
          }
          if (n % 500 === 0) gc({ type: 'minor' });
        }
      }
      // The registry's own table gets old first, as a server's does.
      churn(2000);
      gc();
      gc({ type: 'minor' });
      gc({ type: 'minor' });
      const before = oldUsed();
      churn(6000);
      console.log(Math.round((oldUsed() - before) / 1024));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--expose-gc',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]);
    return Number(stdout.trim());
  }

  test('a Map or Set promotes the dead objects; SlotMap and SlotSet do not', async () => {
    const [map, set, slotMap, slotSet] = await Promise.all(
      ['Map', 'Set', 'SlotMap', 'SlotSet'].map(oldSpaceGrowth),
    );
    // About 17 MB here for Map and Set (the 9 MB of objects, promoted, and the tables); 0.6 MB
    // and 0.2 MB for SlotMap (its table keeps the names) and SlotSet.
    assert.ok(map > 5_000 && set > 5_000, `Map grew ${map} KB, Set ${set} KB`);
    assert.ok(slotMap < map / 5, `SlotMap grew ${slotMap} KB against Map's ${map} KB`);
    assert.ok(slotSet < set / 10, `SlotSet grew ${slotSet} KB against Set's ${set} KB`);
  });
});
