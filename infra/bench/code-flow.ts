// code_flow_cpu_us: CPU of one full authorization-code exchange (code + PKCE verifier → access and
// refresh token) with the memory store. Needs the authorization-code grant in the token function.
import type { BenchSetup } from './setup.ts';

export interface CodeFlowFigures {
  /** null until it can be measured; `note` then says why. */
  code_flow_cpu_us: number | null;
  note?: string;
}

export async function measureCodeFlow(_setup: BenchSetup): Promise<CodeFlowFigures> {
  return {
    code_flow_cpu_us: null,
    note: 'not measured: the token function has no authorization_code grant yet',
  };
}
