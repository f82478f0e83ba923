// Which nodes the importer cannot turn into tfjs ops, all listed at load (op type and node name) before anything
// runs; such models still work through ONNX Runtime for black-box methods.
import type { EngineError } from '../../errors';
import { onnxError } from './errors';
import type { OnnxGraph } from './graph';
import { opFor } from './ops';

export interface UnsupportedNode {
  /** Op type, prefixed by its domain outside ai.onnx (e.g. 'com.microsoft.Attention'). */
  opType: string;
  node: string;
  /** Why a known op cannot be imported here (an attribute value), when it is not simply unknown. */
  reason?: string;
}

export function findUnsupported(graph: OnnxGraph): UnsupportedNode[] {
  const opset = graph.opsets.get('') ?? 0;
  const out: UnsupportedNode[] = [];
  for (const node of graph.nodes) {
    const opType = node.domain ? `${node.domain}.${node.opType}` : node.opType;
    const op = opFor(node.domain, node.opType);
    if (!op) {
      out.push({ opType, node: node.name });
      continue;
    }
    const reason = op.check?.(node, opset);
    if (reason) out.push({ opType, node: node.name, reason });
  }
  return out;
}

export const BLACK_BOX_NOTE = 'black-box methods (occlusion, feature-ablation) still work through ONNX Runtime';

/** One line listing the unsupported nodes (the first 10 in full), and what still works. */
export function unsupportedMessage(list: UnsupportedNode[]): string {
  const shown = list.slice(0, 10).map((u) => `${u.opType} (node ${u.node}${u.reason ? `: ${u.reason}` : ''})`);
  const more = list.length > 10 ? `, and ${list.length - 10} more` : '';
  return `unsupported ONNX ops: ${shown.join(', ')}${more}; ${BLACK_BOX_NOTE}`;
}

export function unsupportedError(list: UnsupportedNode[], file: string): EngineError {
  return onnxError('UNSUPPORTED', unsupportedMessage(list), file);
}
