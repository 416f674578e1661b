import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createManagedStore } from './stores.js';

describe('managed store', () => {
  it('iterates in key order and ranges with from <= key < to', () => {
    const store = createManagedStore<number>('s');
    for (const key of ['d', 'a', 'c', 'b', 'e']) store.put(key, key.charCodeAt(0));
    store.delete('c');
    expect([...store.entries()].map(([key]) => key)).toEqual(['a', 'b', 'd', 'e']);
    expect([...store.range('b', 'e')].map(([key]) => key)).toEqual(['b', 'd']);
    expect(store.size).toBe(4);
  });

  it('returns copies: mutating a value read changes nothing until it is put', () => {
    const store = createManagedStore<{ n: number }>('s');
    store.put('k', { n: 1 });
    store.get('k')!.n = 5;
    expect(store.get('k')).toEqual({ n: 1 });
  });

  it('rolls back the journaled changes and keeps the others pending for the changelog', () => {
    const store = createManagedStore<number>('s');
    store.put('a', 1);
    expect(store.flush()).toEqual([{ key: 'a', value: '1' }]);
    store.begin();
    store.put('a', 2);
    store.put('b', 3);
    store.rollback();
    expect([...store.entries()]).toEqual([['a', 1]]);
    expect(store.flush()).toEqual([]);
    store.begin();
    store.put('c', 4);
    store.delete('a');
    store.keep();
    expect(store.flush()).toEqual([
      { key: 'a', value: null },
      { key: 'c', value: '4' },
    ]);
  });

  it('finds the first key of a range without reading values, and gives the stored text', () => {
    const store = createManagedStore<number>('s');
    for (const key of ['due:b', 'due:a', 'timer:x', 'clock']) store.put(key, 1);
    expect(store.firstKey('due:', 'due:~')).toBe('due:a');
    store.delete('due:a');
    expect(store.firstKey('due:', 'due:~')).toBe('due:b');
    expect(store.firstKey('due:c', 'due:~')).toBeUndefined();
    expect(store.firstKey('zzz', 'zzzz')).toBeUndefined();
    expect(store.text('timer:x')).toBe('1');
    expect(store.text('nothing')).toBeUndefined();
  });

  it('refuses values that are not JSON', () => {
    const store = createManagedStore<unknown>('s');
    expect(() => store.put('k', undefined)).toThrow(/not JSON-serialisable/);
  });

  it('behaves like a sorted map under random operations, rollbacks and changes outside a unit included (property)', () => {
    const operation = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), key: fc.string({ maxLength: 3 }), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.string({ maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(operation, { maxLength: 8 }), fc.constantFrom('keep', 'rollback', 'outside')), {
          maxLength: 20,
        }),
        (units) => {
          const store = createManagedStore<number>('s');
          const model = new Map<string, number>();
          const restored = createManagedStore<number>('r');
          for (const [operations, ending] of units) {
            const copy = new Map(model);
            // 'outside': changes made with no unit open (as timers' removals are) are kept at once.
            if (ending !== 'outside') store.begin();
            for (const op of operations) {
              if (op.kind === 'put') {
                store.put(op.key, op.value);
                copy.set(op.key, op.value);
              } else {
                store.delete(op.key);
                copy.delete(op.key);
              }
            }
            if (ending !== 'rollback') {
              if (ending === 'keep') store.keep();
              model.clear();
              for (const [key, value] of copy) model.set(key, value);
            } else store.rollback();
            for (const change of store.flush()) restored.restore(change.key, change.value);
          }
          const expected = [...model.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
          expect([...store.entries()]).toEqual(expected);
          expect([...restored.entries()]).toEqual(expected);
        },
      ),
    );
  });
});
