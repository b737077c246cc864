import { describe, expect, it } from 'vitest';
import { describeValue } from './describe-value.js';

describe('describeValue', () => {
  it('writes primitives as they are written, strings quoted', () => {
    expect([undefined, null, 0.5, -1, Number.NaN, true, 10n].map(describeValue)).toEqual(['undefined', 'null', '0.5', '-1', 'NaN', 'true', '10']);
    expect(describeValue('0.5')).toBe('"0.5"');
    expect(describeValue('')).toBe('""');
    expect(describeValue(Symbol('x'))).toBe('Symbol(x)');
  });

  it('shows arrays and plain objects as JSON, cut at 80 characters', () => {
    expect(describeValue([])).toBe('[]');
    expect(describeValue([0, -1])).toBe('[0,-1]');
    expect(describeValue({ name: 'cuda' })).toBe('{"name":"cuda"}');
    const long = describeValue({ text: 'x'.repeat(200) });
    expect(long).toHaveLength(80);
    expect(long.endsWith('...')).toBe(true);
  });

  it('names binary data by type and size, never its bytes', () => {
    expect(describeValue(new Uint8Array(12))).toBe('a Uint8Array of 12 bytes');
    expect(describeValue(new Float32Array(3))).toBe('a Float32Array of 12 bytes');
    expect(describeValue(new ArrayBuffer(5))).toBe('an ArrayBuffer of 5 bytes');
  });

  it('names functions, and survives what JSON cannot write', () => {
    expect(describeValue(function loadModel() {})).toBe('a function loadModel');
    expect(describeValue(() => {})).toBe('a function (anonymous)');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(describeValue(cyclic)).toBe('an object');
    expect(describeValue([1n])).toBe('an array of 1');
  });
});
