/**
 * A short, safe description of a value for error messages (`options.conf must be a number from 0 to 1, got
 * "0.5"`), the same in every yolokit package: primitives as they are written (strings quoted), arrays and plain
 * objects as JSON cut at 80 characters, binary data by type and size (never its bytes), functions by name.
 */
export function describeValue(value: unknown): string {
  if (value === undefined || value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'function') return `a function ${value.name || '(anonymous)'}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${value.byteLength} bytes`;
  if (value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]') {
    return `an ArrayBuffer of ${(value as ArrayBuffer).byteLength} bytes`;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // Cycles, BigInts inside: fall through.
  }
  if (text === undefined) return Array.isArray(value) ? `an array of ${value.length}` : 'an object';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
