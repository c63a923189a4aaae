#!/usr/bin/env node
// The `canary` command. The project runs its TypeScript directly through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
process.exitCode = await runCli(process.argv.slice(2));
