#!/usr/bin/env -S node --max-semi-space-size=64
// A young generation of 2×64 MiB instead of 2×16: a compile of 10,000 services allocates about
// 900 MB, mostly short-lived, and spends a third of its time in scavenges with the default
// (measured: bench/README.md, "Compile"). `npm start` passes the same flag.
// The CLI is written in TypeScript and run through tsx's loader, so there is no build step
// between editing the source and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
