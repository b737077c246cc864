import { isMainThread } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { applyTelemetryChoice, nativeEnvironmentSwitchesTelemetryOff, switchesTelemetryOff } from './onnx-telemetry.js';

// Each case gets its own environment object; the real process environment is left alone.
const env = (value?: string): NodeJS.ProcessEnv => (value === undefined ? {} : { ORT_DISABLE_TELEMETRY: value });

describe('switchesTelemetryOff: the values onnxruntime 1.30 reads as "off"', () => {
  it('accepts 1, true, yes, on, y in any case and with spaces', () => {
    for (const value of ['1', 'true', 'TRUE', 'yes', 'On', 'y', ' 1 ']) expect(switchesTelemetryOff(value), value).toBe(true);
  });
  it('reads anything else, and no value, as "on"', () => {
    for (const value of [undefined, '', ' ', '0', 'false', 'no', 'off', '2', 'disable']) expect(switchesTelemetryOff(value), String(value)).toBe(false);
  });
});

describe('applyTelemetryChoice', () => {
  it('turns telemetry off by default', () => {
    const e = env();
    expect(applyTelemetryChoice(undefined, e)).toBe('wrote');
    expect(e.ORT_DISABLE_TELEMETRY).toBe('1');
    // Once written, later sessions leave it as it is.
    expect(applyTelemetryChoice(undefined, e)).toBe('unchanged');
    expect(e.ORT_DISABLE_TELEMETRY).toBe('1');
  });

  it('treats a blank value as unset (an empty substitution in a compose file does not opt in)', () => {
    const e = env('  ');
    applyTelemetryChoice(undefined, e);
    expect(e.ORT_DISABLE_TELEMETRY).toBe('1');
  });

  it('lets the environment decide when it sets the variable: ORT_DISABLE_TELEMETRY=0 opts in', () => {
    for (const value of ['0', 'false', '1', 'yes']) {
      const e = env(value);
      expect(applyTelemetryChoice(undefined, e)).toBe('unchanged');
      expect(e.ORT_DISABLE_TELEMETRY).toBe(value);
    }
  });

  it('telemetry: false turns it off even when the environment opts in', () => {
    for (const value of [undefined, '0', 'false', '']) {
      const e = env(value);
      applyTelemetryChoice(false, e);
      expect(e.ORT_DISABLE_TELEMETRY, String(value)).toBe('1');
    }
    const off = env('yes');
    expect(applyTelemetryChoice(false, off)).toBe('unchanged');
    expect(off.ORT_DISABLE_TELEMETRY).toBe('yes');
  });

  it("telemetry: true opts in, removing only yolokit's own switch: an operator's ORT_DISABLE_TELEMETRY=1 wins", () => {
    const fresh = env();
    expect(applyTelemetryChoice(true, fresh)).toBe('unchanged');
    expect(fresh).toEqual({});

    const ours = env();
    applyTelemetryChoice(undefined, ours);
    applyTelemetryChoice(true, ours);
    expect(ours.ORT_DISABLE_TELEMETRY).toBeUndefined();

    const operators = env('1');
    applyTelemetryChoice(true, operators);
    expect(operators.ORT_DISABLE_TELEMETRY).toBe('1');
  });
});

describe('nativeEnvironmentSwitchesTelemetryOff', () => {
  // In a worker thread (vitest's threads pool) process.env is a copy the report does not show.
  it.skipIf(!isMainThread)("reads the process environment through Node's diagnostic report", () => {
    const saved = process.env.ORT_DISABLE_TELEMETRY;
    try {
      process.env.ORT_DISABLE_TELEMETRY = '1';
      expect(nativeEnvironmentSwitchesTelemetryOff()).toBe(true);
      process.env.ORT_DISABLE_TELEMETRY = '0';
      expect(nativeEnvironmentSwitchesTelemetryOff()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.ORT_DISABLE_TELEMETRY;
      else process.env.ORT_DISABLE_TELEMETRY = saved;
    }
  });
});
