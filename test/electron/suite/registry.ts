// test(name, fn) for the extension-host runner in index.ts.
export interface RegisteredTest {
  name: string;
  fn: () => Promise<void>;
}

const tests: RegisteredTest[] = [];

export function test(name: string, fn: () => Promise<void>): void {
  tests.push({ name, fn });
}

export function registeredTests(): readonly RegisteredTest[] {
  return tests;
}
