// Typed access to a node's attributes, with ONNX defaults.
import type { OnnxAttribute, OnnxNode } from '../graph';
import type { HostTensor } from '../hostTensor';

export class Attributes {
  constructor(private readonly map: Map<string, OnnxAttribute>) {}

  static of(node: OnnxNode): Attributes {
    return new Attributes(node.attributes);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    return this.map.get(name)?.i ?? fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    return this.map.get(name)?.f ?? fallback;
  }

  ints(name: string, fallback: number[]): number[];
  ints(name: string): number[] | undefined;
  ints(name: string, fallback?: number[]): number[] | undefined {
    return this.map.get(name)?.ints ?? fallback;
  }

  floats(name: string): number[] | undefined {
    return this.map.get(name)?.floats;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.map.get(name)?.s ?? fallback;
  }

  strings(name: string): string[] | undefined {
    return this.map.get(name)?.strings;
  }

  tensor(name: string): HostTensor | undefined {
    return this.map.get(name)?.t;
  }
}
