import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, partitionForKey, toPositive } from './partitioner.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe("Kafka's default partitioner", () => {
  it('hashes as Utils.murmur2 (the vectors of Kafka\'s UtilsTest.testMurmur2)', () => {
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(bytes(key)), hash, key);
  });

  it('hashes as the Java client (kafkajs\'s defaultJava vectors, generated with Java; every tail length)', () => {
    const vectors: [string, number][] = [
      ['0', 971027396],
      ['1', -1993445489],
      ['128', -326012175],
      ['2187', -1508407203],
      ['16384', -325739742],
      ['78125', -1654490814],
      ['279936', 1462227128],
      ['10000000', -1830336757],
      ['170859375', -1658323481],
      ['100:48069', 1009543857],
    ];
    for (const [key, hash] of vectors) assert.equal(murmur2(bytes(key)), hash, key);
  });

  it('puts keys in the partitions the Java client picks (kafka-python\'s compatibility vectors, 1000 partitions)', () => {
    const vectors: [Uint8Array, number][] = [
      [new Uint8Array(0), 681],
      [bytes('a'), 524],
      [bytes('ab'), 434],
      [bytes('abc'), 107],
      [bytes('123456789'), 566],
      [new Uint8Array([0, 0x20]), 742],
    ];
    for (const [key, partition] of vectors) assert.equal(partitionForKey(key, 1000), partition, JSON.stringify([...key]));
  });

  it('clears the sign bit rather than taking the absolute value', () => {
    assert.equal(toPositive(-1), 0x7fffffff);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(toPositive(5), 5);
    // -973932308 is "21": Math.abs would give another partition than Kafka for 7 partitions.
    assert.equal(partitionForKey('21', 7), (-973932308 & 0x7fffffff) % 7);
    assert.notEqual(partitionForKey('21', 7), Math.abs(-973932308) % 7);
  });

  it('hashes a string key as its UTF-8 bytes', () => {
    assert.equal(partitionForKey('é-ü', 13), partitionForKey(bytes('é-ü'), 13));
  });
});
