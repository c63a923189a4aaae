#!/usr/bin/env node
// The `canary` command: the compiled harness (dist/, made by `npm run build`, which `npm install`
// in this repository and `npm pack` run). No TypeScript is compiled at run time for the harness.
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('canary: checkout-canary is not built (no dist/): run `npm run build` in its folder\n');
  process.exit(2);
}
const { runCli } = await import(main.href);
process.exitCode = await runCli(process.argv.slice(2));
