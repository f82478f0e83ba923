// Turns onnx.proto (copied from the onnx 1.12 Python package, Apache-2.0) into the JSON descriptor the engine imports,
// so the bundle carries the schema and never reads a .proto at run time. Field names keep their snake_case.
// Run from the repo root after replacing onnx.proto:  node --import tsx src/engine/models/onnx/generateSchema.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'protobufjs';

const dir = __dirname;
const proto = readFileSync(join(dir, 'onnx.proto'), 'utf8');
const { root } = parse(proto, { keepCase: true });
const json = {
  comment: 'Generated from onnx.proto (ONNX, SPDX-License-Identifier: Apache-2.0) by generateSchema.ts; do not edit.',
  ...root.toJSON(),
};
writeFileSync(join(dir, 'onnx.schema.json'), JSON.stringify(json, null, 1) + '\n');
console.log('wrote onnx.schema.json');
