import { Command } from 'commander';
import { registerAdminCommands } from './admin-commands.js';
import { registerDemoCommand } from './demo-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerSimCommand } from './sim-command.js';

/** The `corral` command line. Each subcommand lives in its own file and registers itself here. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('corral')
    .description('A multi-user gateway for Ollama')
    .showHelpAfterError()
    .enablePositionalOptions();
  registerServeCommand(program);
  registerDemoCommand(program);
  registerSimCommand(program);
  registerAdminCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
