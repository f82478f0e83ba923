export function ensureBuilt(): string | undefined;
