// SCF entry point of the token function.
import { loadTokenConfig } from '../../shared/config.ts';
import { createScfHandler } from '../../shared/http/scf.ts';
import { createTokenApp } from './app.ts';

export const main_handler = createScfHandler(async () => createTokenApp(await loadTokenConfig(process.env)));
