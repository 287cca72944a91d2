// npm run hash-password, run as a command-line tool in a child process.
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../shared/password.ts';
import { runTool } from '../support/run.ts';

describe('npm run hash-password', () => {
  const run = (args: string[], input?: string) =>
    runTool('infra/keys/hash-password.ts', args, input === undefined ? {} : { input });

  it('hashes the argument, or stdin when there is none', async () => {
    const fromArg = run(['pass word 1']);
    expect(fromArg.status).toBe(0);
    expect(await verifyPassword('pass word 1', fromArg.stdout.trim())).toBe(true);
    const fromStdin = run([], 'from stdin\n');
    expect(fromStdin.status).toBe(0);
    expect(await verifyPassword('from stdin', fromStdin.stdout.trim())).toBe(true);
  });

  it('refuses an empty password', () => {
    const res = run([], '');
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/the password is empty/);
  });
});
