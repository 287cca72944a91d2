// Entry points of the authorize function: SCF, AWS Lambda, Alibaba Cloud FC and fetch.

import { createEntries } from '../../shared/http/entries.ts';
import { createAuthorizeApp } from './app.ts';
import { loadAuthorizeConfig } from './config.ts';

export const { main_handler, handler, fcHandler, fetch } = createEntries(async () =>
  createAuthorizeApp(await loadAuthorizeConfig(process.env)),
);
