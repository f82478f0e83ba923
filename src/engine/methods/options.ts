// Validation shared by the methods' resolveOptions: each check names the option and what is wrong, in one line.
import { EngineError } from '../errors';

/** Guards against typos such as steps: 5000000, which would run for hours (and Gauss–Legendre nodes cost O(n²)). */
export const MAX_STEPS = 10_000;
export const MAX_SAMPLES = 10_000;

/** The offending value, short enough for a one-line message (long arrays are elided). */
function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value) && value.length > 8) {
    return `[${value.slice(0, 4).map((v) => JSON.stringify(v)).join(', ')}, … (${value.length} values)]`;
  }
  return JSON.stringify(value) ?? String(value);
}

export function invalidOption(name: string, problem: string, value: unknown): EngineError {
  return new EngineError('OPTION_INVALID', `option '${name}' ${problem} (got ${describe(value)})`);
}

/** An integer in [min, max]; `fallback` when the option is absent. */
export function integerOption(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(name, `must be an integer from ${min} to ${max}`, value);
  }
  return value;
}

/** A finite number ≥ 0, or undefined when absent (the method then derives a default from the input). */
export function nonNegativeOption(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalidOption(name, 'must be a finite number ≥ 0', value);
  }
  return value;
}

export function booleanOption(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw invalidOption(name, 'must be true or false', value);
  return value;
}

export function choiceOption<T extends string>(value: unknown, name: string, choices: readonly T[], fallback: T): T {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    throw invalidOption(name, `must be one of ${choices.join(', ')}`, value);
  }
  return value as T;
}

/** Seeds are integers so that a seed written in a settings file or on the command line means one stream. */
export function seedOption(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidOption('seed', 'must be an integer', value);
  return value;
}
