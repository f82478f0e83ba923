// schemas/lens.schema.json (what VS Code validates and completes .lens.json files with) against the engine's real
// manifest readers: every committed manifest and every example in the schema validates and parses; invalid
// manifests are refused by both; the fields and enum values the parsers read are exactly the schema's.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readLensManifest } from '../../src/engine/models/manifest';
import { parseImageSection } from '../../src/engine/modalities/image/imageSpec';
import { INPUT_ROLES, MODALITIES } from '../../src/engine/modalities/text/textManifest';

const root = join(__dirname, '../..');
type Schema = Record<string, any>;
const schema: Schema = JSON.parse(readFileSync(join(root, 'schemas/lens.schema.json'), 'utf8'));

// ---- A draft-07 subset validator: exactly the keywords the schema uses; any other keyword is an error. ----
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'markdownDescription', 'examples', 'default', 'enumDescriptions', 'defaultSnippets', 'definitions']);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const hasType = (v: unknown, t: string) => (t === 'integer' ? Number.isInteger(v) : t === 'number' ? typeof v === 'number' : typeOf(v) === t);

function resolveRef(ref: string): Schema {
  assert.ok(ref.startsWith('#/'), `only local $ref: ${ref}`);
  return ref.slice(2).split('/').reduce((s: Schema, k) => s[k], schema);
}

/** Errors of `value` against `s` (empty when valid). */
function validate(value: unknown, s: Schema | boolean, at = '$'): string[] {
  if (s === true) return [];
  if (s === false) return [`${at}: not allowed`];
  const errors: string[] = [];
  for (const [key, k] of Object.entries(s)) {
    if (ANNOTATIONS.has(key)) continue;
    switch (key) {
      case '$ref': errors.push(...validate(value, resolveRef(k), at)); break;
      case 'type': if (![k].flat().some((t: string) => hasType(value, t))) errors.push(`${at}: expected ${k}, got ${typeOf(value)}`); break;
      case 'enum': if (!k.includes(value)) errors.push(`${at}: not one of ${k.join(', ')}`); break;
      case 'const': if (value !== k) errors.push(`${at}: must be ${JSON.stringify(k)}`); break;
      case 'not': if (!validate(value, k, at).length) errors.push(`${at}: matches a forbidden schema`); break;
      case 'minimum': if (typeof value === 'number' && value < k) errors.push(`${at}: below ${k}`); break;
      case 'maximum': if (typeof value === 'number' && value > k) errors.push(`${at}: above ${k}`); break;
      case 'exclusiveMinimum': if (typeof value === 'number' && value <= k) errors.push(`${at}: not above ${k}`); break;
      case 'minLength': if (typeof value === 'string' && [...value].length < k) errors.push(`${at}: shorter than ${k}`); break;
      case 'minItems': if (Array.isArray(value) && value.length < k) errors.push(`${at}: fewer than ${k} items`); break;
      case 'maxItems': if (Array.isArray(value) && value.length > k) errors.push(`${at}: more than ${k} items`); break;
      case 'items': if (Array.isArray(value)) value.forEach((v, i) => errors.push(...validate(v, k, `${at}[${i}]`))); break;
      case 'required':
        if (typeOf(value) === 'object') for (const r of k) if (!(r in (value as object))) errors.push(`${at}: missing ${r}`);
        break;
      case 'properties':
        if (typeOf(value) === 'object') {
          for (const [p, ps] of Object.entries(k)) if (p in (value as object)) errors.push(...validate((value as any)[p], ps as Schema, `${at}.${p}`));
        }
        break;
      case 'additionalProperties':
        if (typeOf(value) === 'object') {
          for (const p of Object.keys(value as object)) if (!(p in (s.properties ?? {}))) errors.push(...validate((value as any)[p], k, `${at}.${p}`));
        }
        break;
      case 'allOf': for (const sub of k) errors.push(...validate(value, sub, at)); break;
      case 'anyOf': if (!k.some((sub: Schema) => !validate(value, sub, at).length)) errors.push(`${at}: matches none of anyOf`); break;
      case 'oneOf': {
        const n = k.filter((sub: Schema) => !validate(value, sub, at).length).length;
        if (n !== 1) errors.push(`${at}: matches ${n} of oneOf`);
        break;
      }
      default: throw new Error(`the test validator does not implement '${key}' (at ${at})`);
    }
  }
  return errors;
}

const valid = (v: unknown) => validate(v, schema).length === 0;

// ---- The engine's own verdict: readLensManifest on the manifest written beside a (nonexistent) model. ----
const dir = mkdtempSync(join(tmpdir(), 'al-lens-schema-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function parses(manifest: unknown): Promise<boolean> {
  writeFileSync(join(dir, 'model.lens.json'), JSON.stringify(manifest));
  try {
    await readLensManifest(join(dir, 'model.json'));
    return true;
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'MODEL_INVALID', String(e));
    return false;
  }
}

function committedManifests(): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f === 'lens.json' || f.endsWith('.lens.json')) found.push(p);
    }
  };
  for (const d of ['test/fixtures', 'samples']) walk(join(root, d));
  return found;
}

test('the schema is draft-07 and uses only keywords VS Code and the test validator understand', () => {
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  // Validating a value that reaches every branch runs every keyword once; unknown keywords throw.
  for (const ex of schema.examples) validate(ex, schema);
  for (const def of Object.values(schema.definitions)) validate({}, def as Schema);
  assert.equal(validate({}, schema).length, 0);
});

test('every committed manifest validates against the schema and parses with the engine', async () => {
  const files = committedManifests();
  assert.ok(files.length >= 6, `found ${files.length} manifests`);
  for (const file of files) {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(validate(json, schema), [], file);
    assert.ok(await parses(json), file);
  }
});

test('every example in the schema validates and parses with the engine', async () => {
  assert.ok(schema.examples.length >= 4);
  for (const ex of schema.examples) {
    assert.deepEqual(validate(ex, schema), [], JSON.stringify(ex));
    assert.ok(await parses(ex), JSON.stringify(ex));
  }
  // Field examples: each, put in a manifest on its own, is valid for both.
  const field = (name: string, value: unknown) => (name === 'image' ? { image: value } : { [name]: value });
  for (const [name, prop] of Object.entries(schema.properties as Record<string, Schema>)) {
    for (const ex of prop.examples ?? []) {
      assert.deepEqual(validate(field(name, ex), schema), [], `${name}: ${JSON.stringify(ex)}`);
      assert.ok(await parses(field(name, ex)), `${name}: ${JSON.stringify(ex)}`);
    }
  }
  const image = schema.definitions.imageSection;
  for (const ex of image.examples) assert.ok(parseImageSection(ex, 'x.lens.json'));
  for (const [name, prop] of Object.entries(image.properties as Record<string, Schema>)) {
    for (const ex of prop.examples ?? []) {
      assert.deepEqual(validate({ image: { [name]: ex } }, schema), [], `image.${name}`);
      assert.ok(await parses({ image: { [name]: ex } }), `image.${name}`);
    }
  }
  for (const snippet of image.defaultSnippets) {
    const body = JSON.parse(JSON.stringify(snippet.body).replace(/\$\{1\|(\w+),[^}]*\}/g, '$1'));
    assert.deepEqual(validate({ image: body }, schema), [], snippet.label);
    assert.ok(await parses({ image: body }), snippet.label);
  }
  const tokenizer = schema.definitions.tokenizerObject;
  for (const ex of tokenizer.examples) assert.ok(await parses({ tokenizer: ex }));
});

/** Manifests the engine refuses: the schema must flag each (VS Code underlines it before the engine runs). */
const INVALID: unknown[] = [
  [], 'text', null,
  { labels: 'a,b' }, { labels: ['a', 1] }, { labels: null }, { featureNames: 'a' }, { featureNames: [true] },
  { inputShape: [] }, { inputShape: [0] }, { inputShape: [1.5] }, { inputShape: [-1, 3] }, { inputShape: 4 },
  { modality: 'audio' }, { modality: 'Text' }, { modality: null },
  { tokenizer: 5 }, { tokenizer: null }, { tokenizer: [] }, { tokenizer: {} }, { tokenizer: { path: '' } }, { tokenizer: { vocab: '' } },
  { tokenizer: { type: 'bpe', path: 'v.json' } }, { tokenizer: { path: 'v.txt', lowercase: 'yes' } }, { tokenizer: { path: 'v.txt', stripAccents: 1 } },
  { tokenizer: { path: 'v.txt', pad: '' } }, { tokenizer: { path: 'v.txt', prefix: 7 } }, { tokenizer: { path: 3 } },
  { inputs: [] }, { inputs: 'input_ids' }, { inputs: { ids: 'input_ids', segments: 'x' } }, { inputs: { ids: '' } }, { inputs: { mask: 1 } },
  { maxLength: 0 }, { maxLength: 1.5 }, { maxLength: '128' }, { maxLength: -3 },
  { baseline: 'zero' }, { baseline: null }, { embeddingLayer: '' }, { embeddingLayer: 3 }, { textField: '' }, { textField: ['text'] },
  { image: null }, { image: [] }, { image: 'imagenet' }, { image: { size: [224] } }, { image: { size: [0, 4] } }, { image: { size: [2, 2, 3] } },
  { image: { size: [2.5, 2] } }, { image: { layout: 'HWC' } }, { image: { layout: 'HW' } }, { image: { channels: 'rgb' } }, { image: { channels: 'RGBA' } },
  { image: { scale: 0 } }, { image: { scale: -255 } }, { image: { scale: '255' } }, { image: { mean: [] } }, { image: { mean: '0.5' } },
  { image: { mean: [0.5, 'x'] } }, { image: { std: 0 } }, { image: { std: [1, 0, 1] } }, { image: { std: [] } }, { image: { resize: 'crop' } },
  { image: { Size: [2, 2] } }, { image: { normalize: true } },
];

/** Manifests the engine accepts, including the lenient corners (unknown top-level and tokenizer fields). */
const VALID: unknown[] = [
  {}, { notes: 'anything', version: 2 }, { labels: [] }, { labels: [''] }, { inputShape: [1] }, { modality: 'timeseries' },
  { tokenizer: 'tokenizer.json' }, { tokenizer: { vocab: 'vocab.txt' } }, { tokenizer: { path: 'a.json', vocab: 5 } },
  { tokenizer: { path: 'v.txt', type: 'wordpiece', lowercase: false, stripAccents: true, cls: '[CLS]', sep: '[SEP]', prefix: '##', unk: '[UNK]' } },
  { tokenizer: { path: 'v.json', comment: 'ignored' } }, { inputs: {} }, { inputs: { positions: 'position_ids' } },
  { maxLength: 1 }, { baseline: 'mask' }, { embeddingLayer: 'embeddings/word' }, { textField: 'sentence' },
  { image: {} }, { image: { mean: 0.5, std: 2 } }, { image: { mean: [-1], std: [0.5, 0.5] } }, { image: { scale: 0.5, resize: 'center-crop', channels: 'L' } },
  { modality: 'image', image: { size: [1, 1], layout: 'NCHW', channels: 'BGR' } },
];

test('the schema refuses what the engine refuses, and accepts what it accepts', async () => {
  for (const m of INVALID) {
    assert.equal(await parses(m), false, `engine accepts ${JSON.stringify(m)}`);
    assert.equal(valid(m), false, `schema accepts ${JSON.stringify(m)}`);
  }
  for (const m of VALID) {
    assert.equal(await parses(m), true, `engine refuses ${JSON.stringify(m)}`);
    assert.deepEqual(validate(m, schema), [], JSON.stringify(m));
  }
});

test('known divergence: an empty tokenizer path is refused by the schema although the parser takes it (it names the folder)', async () => {
  assert.equal(await parses({ tokenizer: '' }), true);
  assert.equal(valid({ tokenizer: '' }), false);
});

// ---- The fields and values the parsers read, taken from their source, are the schema's. ----
const source = (p: string) => readFileSync(join(root, p), 'utf8');
const manifestSrc = source('src/engine/models/manifest.ts');
const textSrc = source('src/engine/modalities/text/textManifest.ts');
const imageSrc = source('src/engine/modalities/image/imageSpec.ts');
const quoted = (list: string) => [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
const sorted = (xs: Iterable<string>) => [...new Set(xs)].sort();

test('every top-level field the manifest readers read is in the schema, and nothing else', () => {
  const read = [...manifestSrc.matchAll(/\bfields\.(\w+)/g), ...textSrc.matchAll(/\bfields\.(\w+)/g)].map((m) => m[1]);
  assert.ok(read.includes('labels') && read.includes('maxLength') && read.includes('image'), 'the source patterns still match');
  const described = Object.keys(schema.properties).filter((k) => k !== '$schema');
  assert.deepEqual(sorted(described), sorted(read));
});

test('the tokenizer, inputs and image fields are the parsers\' fields', () => {
  const tokenizerBody = textSrc.slice(textSrc.indexOf('function tokenizerSpec'), textSrc.indexOf('function inputNames'));
  const tokenizerKeys = [...tokenizerBody.matchAll(/\bt\.(\w+)/g)].map((m) => m[1]);
  for (const m of tokenizerBody.matchAll(/for \(const key of \[([^\]]+)\] as const\)/g)) tokenizerKeys.push(...quoted(m[1]));
  assert.ok(tokenizerKeys.length >= 10, tokenizerKeys.join());
  assert.deepEqual(sorted(Object.keys(schema.definitions.tokenizerObject.properties)), sorted(tokenizerKeys));
  assert.deepEqual(sorted(Object.keys(schema.properties.inputs.properties)), sorted(INPUT_ROLES));
  const known = /const known = new Set\(\[([^\]]+)\]\)/.exec(imageSrc);
  assert.ok(known, 'imageSpec.ts lists its known fields');
  assert.deepEqual(sorted(Object.keys(schema.definitions.imageSection.properties)), sorted(quoted(known[1])));
});

test('enum values are the parsers\' values', () => {
  const constList = (src: string, name: string) => {
    const m = new RegExp(`const ${name} = \\[([^\\]]+)\\]`).exec(src);
    assert.ok(m, name);
    return quoted(m[1]);
  };
  const image = schema.definitions.imageSection.properties;
  assert.deepEqual(schema.properties.modality.enum, [...MODALITIES]);
  assert.deepEqual(schema.definitions.tokenizerObject.properties.type.enum, constList(textSrc, 'TOKENIZER_KINDS'));
  assert.deepEqual(image.layout.enum, constList(imageSrc, 'LAYOUTS'));
  assert.deepEqual(image.channels.enum, constList(imageSrc, 'CHANNELS'));
  assert.deepEqual(image.resize.enum, constList(imageSrc, 'RESIZES'));
  assert.match(textSrc, /fields\.baseline !== 'pad' && fields\.baseline !== 'mask'/);
  assert.deepEqual(schema.properties.baseline.enum, ['pad', 'mask']);
  // Every enum has one description per value (VS Code shows them in completions).
  for (const s of [schema.properties.modality, schema.properties.baseline, schema.definitions.tokenizerObject.properties.type, image.layout, image.channels, image.resize]) {
    assert.equal(s.enumDescriptions.length, s.enum.length);
  }
});

test('every described field has a description', () => {
  const check = (props: Record<string, Schema>, at: string) => {
    for (const [k, v] of Object.entries(props)) {
      const d = v.$ref ? resolveRef(v.$ref) : v;
      assert.ok(typeof d.description === 'string' && d.description.length > 10, `${at}.${k}`);
    }
  };
  check(schema.properties, '$');
  check(schema.definitions.tokenizerObject.properties, 'tokenizer');
  check(schema.definitions.imageSection.properties, 'image');
  check(schema.properties.inputs.properties, 'inputs');
});
