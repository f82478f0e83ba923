// A scenario is a sequence of named steps on one browser window. A failing step is reported as
// `scenario "<name>", step "<step>"`, with a screenshot of the window at that moment kept under test-results/.
// Every scenario also leaves a screenshot of how it ended (or of what it asked for, through screenshot()).
import { appendFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { resultsPath, slug } from './paths';

export class Scenario {
  constructor(
    readonly name: string,
    readonly page: Page,
    /** Folder under test-results/e2e (the test file's session). */
    private readonly folder: string,
  ) {}

  async step<T>(title: string, fn: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      const result = await fn();
      this.log(title, started, 'ok');
      return result;
    } catch (e) {
      this.log(title, started, 'FAILED');
      const shot = await this.screenshot(`FAILED ${title}`).catch(() => undefined);
      const message = e instanceof Error ? e.message : String(e);
      throw new Error(`scenario "${this.name}", step "${title}" failed: ${message}${shot ? `\n  screenshot: ${shot}` : ''}`, { cause: e });
    }
  }

  /** One line per step in test-results/e2e/<session>/steps.log, to see where the time goes. */
  log(title: string, started: number, outcome: string): void {
    const line = `${new Date(started).toISOString()}  ${String(Date.now() - started).padStart(6)} ms  ${outcome.padEnd(6)}  ${this.name} :: ${title}\n`;
    appendFileSync(resultsPath(this.folder, 'steps.log'), line);
  }

  /** Saves a PNG of the whole window as test-results/e2e/<session>/<scenario>[-label].png and returns its path. */
  async screenshot(label?: string): Promise<string> {
    const name = label ? `${slug(this.name)}--${slug(label)}` : slug(this.name);
    const path = resultsPath(this.folder, `${name}.png`);
    await this.page.screenshot({ path });
    return path;
  }
}

/** Runs a scenario on a fresh window; closes the window afterwards, keeping the final screenshot. */
export async function runScenario(open: () => Promise<Page>, folder: string, name: string, body: (s: Scenario) => Promise<void>): Promise<void> {
  let page: Page | undefined;
  const started = Date.now();
  try {
    page = await open();
  } catch (e) {
    throw new Error(`scenario "${name}", step "open a window" failed: ${(e as Error).message}`, { cause: e });
  }
  const s = new Scenario(name, page, folder);
  s.log('open a window', started, 'ok');
  try {
    await body(s);
    await s.screenshot();
  } finally {
    await page.close().catch(() => undefined);
  }
}
