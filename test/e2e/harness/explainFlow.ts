// The Explain Model… conversation, answered like a person: model → input file → row → method → target.
import type { Page } from 'playwright-core';
import { waitForFeatureBars } from './panel';
import { quickPick, runCommand, webviewFrame } from './workbench';

export const EXPLAIN_COMMAND = 'Attribution Lens: Explain Model…';

export interface ExplainAnswers {
  /** The model's name in the picker (its folder), e.g. 'credit-risk'. Leave out when the model was right-clicked. */
  model?: string;
  /** Input file label, e.g. 'data.csv'. */
  input: string;
  row?: number;
  method: string;
  /** 'Predicted class' (default) or an output label. */
  target?: string;
}

/** Answers the pickers of a running Explain Model… command. */
export async function answerExplainPickers(page: Page, a: ExplainAnswers): Promise<void> {
  if (a.model !== undefined) await quickPick(page, a.model, { title: 'Explain Model: choose a model' });
  await quickPick(page, a.input, { title: 'Explain Model: input' });
  if (a.row !== undefined) await quickPick(page, `row ${a.row}`, { title: `Explain Model: row of ${a.input}` });
  await quickPick(page, a.method, { title: 'Explain Model: attribution method' });
  const target = a.target ?? 'Predicted class';
  await quickPick(page, target, { title: 'Explain Model: target', filter: target });
}

/** Runs Explain Model… from the palette and answers its pickers; does not wait for the result. */
export async function explainFromPalette(page: Page, a: ExplainAnswers): Promise<void> {
  await runCommand(page, EXPLAIN_COMMAND);
  await answerExplainPickers(page, a);
}

/** Waits for the explanation panel to show feature bars. */
export async function waitForPanel(page: Page): Promise<void> {
  await waitForFeatureBars(webviewFrame(page), 60_000);
}
