// The op table: ONNX op type (ai.onnx domain) → implementation. One file per op family.
import { activationOps } from './activation';
import { arithmeticOps } from './arithmetic';
import { constantOps } from './constant';
import { convOps } from './conv';
import { einsumOps } from './einsum';
import { gatherOps } from './gather';
import { layoutOps } from './layout';
import { matmulOps } from './matmul';
import { normalizationOps } from './normalization';
import { poolOps } from './pool';
import { reduceOps } from './reduce';
import { resizeOps } from './resize';
import { shapeOps } from './shape';
import type { OpDef, OpTable } from './types';
import { unaryOps } from './unary';

export const OPS: OpTable = {
  ...arithmeticOps,
  ...unaryOps,
  ...activationOps,
  ...constantOps,
  ...shapeOps,
  ...layoutOps,
  ...gatherOps,
  ...reduceOps,
  ...matmulOps,
  ...einsumOps,
  ...convOps,
  ...poolOps,
  ...normalizationOps,
  ...resizeOps,
};

/** The implementation of a node's op, if the importer has one (standard domain only). */
export function opFor(domain: string, opType: string): OpDef | undefined {
  return domain === '' && Object.prototype.hasOwnProperty.call(OPS, opType) ? OPS[opType] : undefined;
}

export const supportedOpTypes = (): string[] => Object.keys(OPS).sort();
