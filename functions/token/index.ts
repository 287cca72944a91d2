// Entry points of the token function: SCF, AWS Lambda, Alibaba Cloud FC and fetch.
import { loadTokenConfig } from '../../shared/config.ts';
import { createEntries } from '../../shared/http/entries.ts';
import { createTokenApp } from './app.ts';

export const { main_handler, handler, fcHandler, fetch } = createEntries(async () =>
  createTokenApp(await loadTokenConfig(process.env)),
);
