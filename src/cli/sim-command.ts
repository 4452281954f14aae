import type { Command } from 'commander';

/** `corral sim` — the Ollama emulator. Filled in by the emulator work (issue 3). */
export function registerSimCommand(program: Command): void {
  program.command('sim').description('run the Ollama emulator');
}
