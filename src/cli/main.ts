#!/usr/bin/env node
/**
 * kdbench command line. Each command lives in src/cli/commands/NAME.ts and exports
 * `run(argv): Promise<number>` (the exit code) and `usage` (its help text).
 */
import { isUserError, InterruptedError } from '../core/errors.js';
import { FileWriteError, ioCause, isIoError } from '../core/files.js';
import { RunInterrupted } from '../run/signals.js';

// A reader that goes away (`kdbench ... | head`) or a closed stderr is not a crash: what is left to
// say there is dropped, the run (if any) is written as usual, and the exit code says how it ended.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

interface Command {
  summary: string;
  load: () => Promise<{ run(argv: string[]): Promise<number>; usage: string }>;
}

const COMMANDS: Record<string, Command> = {
  run: { summary: 'run a distillation suite and measure its energy', load: () => import('./commands/run.js') },
  measure: { summary: 'run any command and measure its energy (GPU, CPU, DRAM)', load: () => import('./commands/measure.js') },
  doctor: { summary: 'which energy meters work on this machine, and how to enable the others', load: () => import('./commands/doctor.js') },
  report: {
    summary: 'rebuild the reports (HTML, Markdown, CSV, charts) of a run directory from its raw data',
    load: () => import('./commands/report.js'),
  },
  compare: {
    summary: 'set runs side by side: one suite on other machines or regions, or different suites',
    load: () => import('./commands/compare.js'),
  },
  data: {
    summary: "export a suite's examples and split as JSON Lines (for models trained in other frameworks)",
    load: () => import('./commands/data.js'),
  },
  carbon: {
    summary: 'convert an energy figure to CO2e (intensity, PUE, embodied, equivalents)',
    load: () => import('./commands/carbon.js'),
  },
  sweep: {
    summary: 'run the matrix of a plan on Slurm, Kubernetes or here: one kdbench run per cell',
    load: () => import('./commands/sweep.js'),
  },
  collect: { summary: 'merge the runs of a sweep into one comparison report', load: () => import('./commands/collect.js') },
};

function help(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `Usage: kdbench <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun "kdbench <command> --help" for a command's options.\n`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    const { packageVersion } = await import('../core/host.js');
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`kdbench: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  const mod = await cmd.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(mod.usage);
    return 0;
  }
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (isUserError(e)) {
      process.stderr.write(`kdbench: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof FileWriteError || isIoError(e)) {
      // The machine's fault (a full disk, a read-only folder): said in words with the path, no stack.
      const msg =
        e instanceof FileWriteError
          ? e.message
          : `${ioCause(e)}${(e as NodeJS.ErrnoException).path ? `: ${(e as NodeJS.ErrnoException).path}` : ''}`;
      process.stderr.write(`kdbench: ${msg}\n`);
      process.exitCode = 1;
    } else if (e instanceof InterruptedError) {
      // The run is written (status "interrupted"); exit as a shell reports the signal: 130 for SIGINT, 143 for SIGTERM.
      process.stderr.write(`kdbench: ${e.message}\n`);
      process.exitCode = e instanceof RunInterrupted ? e.exitCode : 130;
    } else {
      process.stderr.write(`kdbench: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
