// SCF entry point of the business function.
import { loadBusinessConfig } from '../../shared/config.ts';
import { createScfHandler } from '../../shared/http/scf.ts';
import { createBusinessApp } from './app.ts';

export const main_handler = createScfHandler(async () =>
  createBusinessApp(await loadBusinessConfig(process.env)),
);
