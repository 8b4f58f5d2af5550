#!/usr/bin/env node
// Large meshes compile ~15% faster with a bigger young generation: `npm start` runs
// `node --max-semi-space-size=64`, and NODE_OPTIONS=--max-semi-space-size=64 does the same for
// this script (README, Configuration). Not in the shebang: `env -S` is missing from BusyBox
// (Alpine images), where the command would not start at all.
// The CLI is written in TypeScript and run through tsx's loader, so there is no build step
// between editing the source and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
