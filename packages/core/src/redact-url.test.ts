import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it('hides the password and keeps user, host, port and database', () => {
    expect(redactUrl('redis://user:s3cret@10.0.0.5:6380/2')).toBe('redis://user:***@10.0.0.5:6380/2');
    expect(redactUrl('rediss://:s3cret@cache.example:6379')).toBe('rediss://:***@cache.example:6379');
  });

  it('leaves a URL without a password as it is, without a trailing slash', () => {
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('https://example.com/models/a.onnx')).toBe('https://example.com/models/a.onnx');
  });

  it('returns text that is no URL unchanged, or the placeholder given', () => {
    expect(redactUrl('not a url')).toBe('not a url');
    expect(redactUrl('not a url', '<invalid redis URL>')).toBe('<invalid redis URL>');
  });
});
