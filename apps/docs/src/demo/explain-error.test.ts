import { describe, expect, it } from 'vitest';
import { explainError } from './explain-error.js';

describe('explainError', () => {
  it.each(['MODEL_INVALID', 'MODEL_NOT_FOUND', 'MODEL_OUTPUT_UNSUPPORTED', 'IMAGE_UNREADABLE', 'IMAGE_TOO_SMALL', 'BACKEND_UNAVAILABLE'])(
    'says what to do about %s',
    (code) => {
      const { title, advice } = explainError(code, 'load');
      expect(title).not.toMatch(/could not be loaded|Detection failed/);
      expect(advice.length).toBeGreaterThan(30);
    },
  );

  it('falls back by stage for codes it does not know', () => {
    expect(explainError('INTERNAL', 'load').title).toBe('The model could not be loaded');
    expect(explainError('INTERNAL', 'predict').title).toBe('Detection failed');
  });
});
