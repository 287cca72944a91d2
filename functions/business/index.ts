// Entry points of the business function: SCF, AWS Lambda, Alibaba Cloud FC and fetch.

import { createEntries } from '../../shared/http/entries.ts';
import { createBusinessApp } from './app.ts';
import { loadBusinessConfig } from './config.ts';

export const { main_handler, handler, fcHandler, fetch } = createEntries(async () =>
  createBusinessApp(await loadBusinessConfig(process.env)),
);
