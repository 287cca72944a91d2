// Entry points of the token function: SCF, AWS Lambda, Alibaba Cloud FC and fetch.

import { createEntries } from '../../shared/http/entries.ts';
import { createTokenApp } from './app.ts';
import { loadTokenConfig } from './config.ts';

export const { main_handler, handler, fcHandler, fetch } = createEntries(async () =>
  createTokenApp(await loadTokenConfig(process.env)),
);
