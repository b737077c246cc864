import type { Architecture } from './architecture.js';

/**
 * Version of the default model's weights and graph. Bump it when the committed artefacts change meaning.
 * Written into the models instead of a date so that an export is byte-identical every time.
 */
export const DEFAULT_MODEL_VERSION = '1.0.0';

/** Ultralytics' metadata of an exported model, as ordered key/value pairs. */
export interface UltralyticsMetadataFields {
  readonly description: string;
  readonly author: string;
  readonly version: string;
  readonly license: string;
  readonly stride: number;
  readonly task: 'detect' | 'obb' | 'classify';
  readonly batch: number;
  readonly imgsz: readonly [number, number];
  readonly names: Readonly<Record<number, string>>;
  readonly channels: number;
}

/** What each task's model is, for its `description`. */
const DESCRIPTIONS = {
  detect: (classes: string) => `yolokit default model: ${classes} detector trained on synthetic scenes`,
  obb: (classes: string) => `yolokit oriented-box model: ${classes} detector trained on synthetic scenes of rotated shapes`,
  classify: (classes: string) => `yolokit shapes classifier: ${classes}, trained on synthetic pictures of one shape`,
} as const;

export function ultralyticsMetadata(architecture: Architecture, names: Readonly<Record<number, string>>): UltralyticsMetadataFields {
  const task = architecture.task ?? 'detect';
  return {
    description: DESCRIPTIONS[task](Object.values(names).join(', ')),
    author: 'yolokit',
    version: DEFAULT_MODEL_VERSION,
    license: 'AGPL-3.0-only',
    stride: architecture.stride ?? Math.max(...architecture.levels.map((level) => level.stride)),
    task,
    batch: 1,
    imgsz: [architecture.imgsz, architecture.imgsz],
    names,
    channels: 3,
  };
}

/** A Python `repr` of a string, as Ultralytics' `str(dict)` writes names. */
function pythonString(value: string): string {
  if (value.includes("'") && !value.includes('"')) return `"${value}"`;
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The `metadata_props` strings Ultralytics writes into ONNX files: `str(value)` of each field. */
export function onnxMetadataProps(fields: UltralyticsMetadataFields): [string, string][] {
  const names = `{${Object.entries(fields.names)
    .map(([id, name]) => `${id}: ${pythonString(name)}`)
    .join(', ')}}`;
  return [
    ['description', fields.description],
    ['author', fields.author],
    ['version', fields.version],
    ['license', fields.license],
    ['stride', String(fields.stride)],
    ['task', fields.task],
    ['batch', String(fields.batch)],
    ['imgsz', `[${fields.imgsz.join(', ')}]`],
    ['names', names],
    ['channels', String(fields.channels)],
  ];
}

/** A YAML string scalar, quoted only when YAML would read it as something else. */
function yamlString(value: string): string {
  return /^[A-Za-z][\w .,/:()-]*$/.test(value) && !/:\s|\s#|:$/.test(value) && !/^(true|false|yes|no|null|on|off)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

/** The `metadata.yaml` Ultralytics writes beside a TF.js export. */
export function metadataYaml(fields: UltralyticsMetadataFields): string {
  const lines = [
    `description: ${yamlString(fields.description)}`,
    `author: ${yamlString(fields.author)}`,
    `version: ${JSON.stringify(fields.version)}`,
    `license: ${yamlString(fields.license)}`,
    `stride: ${fields.stride}`,
    `task: ${fields.task}`,
    `batch: ${fields.batch}`,
    'imgsz:',
    ...fields.imgsz.map((side) => `- ${side}`),
    'names:',
    ...Object.entries(fields.names).map(([id, name]) => `  ${id}: ${yamlString(name)}`),
    `channels: ${fields.channels}`,
  ];
  return `${lines.join('\n')}\n`;
}
