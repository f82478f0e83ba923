// Entry point of the engine child process (dist/engine.js). The extension host forks it and talks over IPC,
// so tensor work never blocks the editor and a crash here never takes the editor down.
import type { EngineControl, EngineMessage, EngineRequest } from '../shared/protocol';
import type { BackendChoice } from '../shared/types';
import { EngineServer } from './process/server';

function send(message: EngineMessage): void {
  process.send?.(message);
}

const backendArg = process.argv.find((a) => a.startsWith('--backend='))?.slice('--backend='.length) as BackendChoice | undefined;
const server = new EngineServer(send);
const started = server.start(backendArg ?? 'auto').catch((e: Error) => {
  send({ type: 'log', level: 'error', message: `backend failed to start: ${e.message}` });
  process.exit(1);
});

process.on('message', (message: EngineRequest | EngineControl) => {
  // Cancels must not wait for start-up; everything else queues behind it.
  if (message.type === 'cancel') server.receive(message);
  else void started.then(() => server.receive(message));
});
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (e) => send({ type: 'log', level: 'error', message: `unhandled: ${String(e)}` }));
