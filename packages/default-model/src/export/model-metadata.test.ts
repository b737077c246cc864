import { parseUltralyticsMetadata } from '@yolokit/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_NAMES } from '../class-names.js';
import { defaultArchitecture } from './architecture.js';
import { metadataYaml, onnxMetadataProps, ultralyticsMetadata } from './model-metadata.js';

describe('Ultralytics metadata of the default model', () => {
  const fields = ultralyticsMetadata(defaultArchitecture(), DEFAULT_MODEL_NAMES);

  it('writes ONNX metadata_props as Ultralytics does (str() of each value), which core parses back', () => {
    const props = Object.fromEntries(onnxMetadataProps(fields));
    expect(props.names).toBe("{0: 'circle', 1: 'square', 2: 'triangle', 3: 'ring'}");
    expect(props.imgsz).toBe('[160, 160]');
    expect(props.stride).toBe('16');
    expect(props.task).toBe('detect');
    expect(props.batch).toBe('1');
    expect(Object.keys(props)).not.toContain('date');
    const parsed = parseUltralyticsMetadata(props);
    expect(parsed.names).toEqual(DEFAULT_MODEL_NAMES);
    expect(parsed.imgsz).toEqual([160, 160]);
    expect(parsed.stride).toBe(16);
    expect(parsed.classCount).toBe(4);
  });

  it('writes a metadata.yaml that YAML and core read as the same facts', () => {
    const yaml = metadataYaml(fields);
    const raw = parse(yaml) as Record<string, unknown>;
    expect(raw.names).toEqual({ 0: 'circle', 1: 'square', 2: 'triangle', 3: 'ring' });
    expect(raw.imgsz).toEqual([160, 160]);
    expect(raw.version).toBe(fields.version);
    expect(raw.description).toBe(fields.description);
    const parsed = parseUltralyticsMetadata(raw);
    expect(parsed.names).toEqual(DEFAULT_MODEL_NAMES);
    expect(parsed.stride).toBe(16);
    expect(parsed.task).toBe('detect');
    expect(yaml).not.toMatch(/date/);
  });

  it('quotes names as Python would', () => {
    const props = Object.fromEntries(onnxMetadataProps(ultralyticsMetadata(defaultArchitecture(2), { 0: "kid's bike", 1: 'a\\b' })));
    expect(props.names).toBe(`{0: "kid's bike", 1: 'a\\\\b'}`);
    expect(parseUltralyticsMetadata(props).names).toEqual({ 0: "kid's bike", 1: 'a\\b' });
  });
});
