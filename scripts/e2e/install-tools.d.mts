export const NODE_VERSION: string;
export const CODE_SERVER_VERSION: string;
export const CHROMIUM_PATH: string;
export interface ToolPaths {
  root: string;
  nodeHome: string;
  node: string;
  codeServerHome: string;
  codeServerEntry: string;
  chromium: string;
}
export function toolsDir(): string;
export function toolPaths(root?: string): ToolPaths;
export function ensureTools(): ToolPaths;
