import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { FilterPolicy, Headers } from '@switchyard/core';
import { caseRunner, uniqueName, type ConformanceTarget } from './harness.js';

interface FilterCase {
  title: string;
  filter: FilterPolicy;
  matches: Headers[];
  misses: Headers[];
}

/** Each filter operator, with headers it must let through and headers it must stop. */
const filterCases: FilterCase[] = [
  {
    title: 'exact values match any of the listed strings',
    filter: { store: ['s1', 's2'] },
    matches: [{ store: 's1' }, { store: 's2', other: 'x' }],
    misses: [{ store: 's3' }, { store: 'S1' }, { other: 's1' }, {}],
  },
  {
    title: 'every key of a policy must match',
    filter: { store: ['s1'], kind: ['order'] },
    matches: [{ store: 's1', kind: 'order' }],
    misses: [{ store: 's1' }, { kind: 'order' }, { store: 's1', kind: 'refund' }],
  },
  {
    title: 'prefix matches the start of the value',
    filter: { event: [{ prefix: 'order.' }] },
    matches: [{ event: 'order.created' }, { event: 'order.' }],
    misses: [{ event: 'refund.order.created' }, { event: 'order' }, {}],
  },
  {
    title: 'anything-but matches every present value except those listed',
    filter: { tier: [{ 'anything-but': ['free', 'trial'] }] },
    matches: [{ tier: 'gold' }, { tier: 'Free' }],
    misses: [{ tier: 'free' }, { tier: 'trial' }, {}],
  },
  {
    title: 'numeric ranges compare the value as a number',
    filter: { price: [{ numeric: ['>=', 10, '<', 20] }] },
    matches: [{ price: '10' }, { price: '19.99' }, { price: '1.5e1' }],
    misses: [{ price: '9.99' }, { price: '20' }, { price: 'ten' }, { price: '' }, {}],
  },
  {
    title: 'exists: true needs the header and exists: false needs it absent',
    filter: { trace: [{ exists: true }], internal: [{ exists: false }] },
    matches: [{ trace: '' }, { trace: 'abc', other: '1' }],
    misses: [{}, { trace: 'abc', internal: 'yes' }],
  },
  {
    title: '$or matches when any alternative matches',
    filter: { $or: [{ a: ['1'] }, { b: [{ prefix: 'x' }] }] },
    matches: [{ a: '1' }, { b: 'xyz' }, { a: '1', b: 'no' }],
    misses: [{ a: '2' }, { b: 'yx' }, {}],
  },
];

/** Filter policies route by headers, shaped like Amazon SNS attribute filter policies. */
export function topicFilterCases(target: ConformanceTarget): void {
  const test = caseRunner(target);
  void describe('topic filter policies', () => {
    for (const fc of filterCases) {
      test(`filter: ${fc.title}`, { needs: ['topics'] }, async ({ broker, queue }) => {
        const topic = await broker.createTopic(uniqueName('t'));
        const q = await queue();
        await topic.subscribe(q.name, { filter: fc.filter });
        const sent = [
          ...fc.matches.map((headers, i) => ({ id: `match-${i}`, body: i, headers })),
          ...fc.misses.map((headers, i) => ({ id: `miss-${i}`, body: i, headers })),
        ];
        const results = await topic.publishBatch(sent);
        results.forEach((r, i) => {
          const expected = i < fc.matches.length ? 1 : 0;
          assert.equal(r.deliveredTo, expected, `headers ${JSON.stringify(sent[i]?.headers)} ${expected ? 'should match' : 'should not match'}`);
        });
        const got = await q.receive({ max: 100 });
        assert.deepEqual(got.map((d) => d.id).sort(), fc.matches.map((_, i) => `match-${i}`).sort());
      });
    }

    test('filter: a subscription without a filter gets everything, beside filtered ones', { needs: ['topics'] }, async ({ broker, queue }) => {
      const topic = await broker.createTopic(uniqueName('t'));
      const everything = await queue({}, 'all');
      const gold = await queue({}, 'gold');
      await topic.subscribe(everything.name);
      await topic.subscribe(gold.name, { filter: { tier: ['gold'] } });
      const results = await topic.publishBatch([
        { id: 'g', body: 1, headers: { tier: 'gold' } },
        { id: 's', body: 2, headers: { tier: 'silver' } },
      ]);
      assert.deepEqual(results.map((r) => r.deliveredTo), [2, 1]);
      assert.deepEqual((await everything.receive({ max: 10 })).map((d) => d.id).sort(), ['g', 's']);
      assert.deepEqual((await gold.receive({ max: 10 })).map((d) => d.id), ['g']);
    });
  });
}
