// The deploy commands' arguments: --help prints the usage and succeeds; a wrong flag or profile is
// refused with exit code 2, saying what is wrong, before anything is built or called.
import { describe, expect, it } from 'vitest';
import { runDeploy } from '../../infra/deploy/cli.ts';
import type { CommandIo } from '../../infra/deploy/console.ts';
import { runInvoke } from '../../infra/deploy/invoke.ts';
import { runRotate } from '../../infra/deploy/rotate-cli.ts';
import { runCommand } from '../support/command.ts';

// Nothing may be read from here: every case ends before the command touches the project.
const io = { root: '/nonexistent-project', env: {} };
const commands: [string, (argv: string[], io: CommandIo) => Promise<number>][] = [
  ['deploy', runDeploy],
  ['rotate-keys', runRotate],
  ['invoke', runInvoke],
];

describe.each(commands)('npm run %s', (name, command) => {
  it('prints its usage for --help and -h, and succeeds', async () => {
    for (const flag of ['--help', '-h']) {
      const run = await runCommand(command, [flag], io);
      expect(run).toMatchObject({ code: 0, err: '' });
      expect(run.out).toContain(`usage: npm run ${name}`);
    }
  });

  it('refuses an unknown flag with the reason and the usage', async () => {
    const run = await runCommand(command, ['--nope'], io);
    expect(run.code).toBe(2);
    expect(run.err).toContain("'--nope'");
    expect(run.err).toContain(`usage: npm run ${name}`);
    expect(run.out).toBe('');
  });
});

describe.each(commands.slice(0, 2))('npm run %s --profile', (_name, command) => {
  it('accepts only components or function-url', async () => {
    const run = await runCommand(command, ['--profile', 'lambda'], io);
    expect(run).toEqual({
      code: 2,
      out: '',
      err: '--profile must be components or function-url, got "lambda"\n',
    });
  });
});

describe('npm run invoke without a function', () => {
  it('prints the usage and fails', async () => {
    const run = await runCommand(runInvoke, [], io);
    expect(run.code).toBe(2);
    expect(run.err).toContain('usage: npm run invoke');
  });
});
