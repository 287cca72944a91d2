// SCF entry point of the authorize function.
import { loadAuthorizeConfig } from '../../shared/config.ts';
import { createScfHandler } from '../../shared/http/scf.ts';
import { createAuthorizeApp } from './app.ts';

export const main_handler = createScfHandler(async () =>
  createAuthorizeApp(await loadAuthorizeConfig(process.env)),
);
