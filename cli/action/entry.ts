// The bundled action's entry point (dist/action/index.mjs): the real process.
import { runAction } from './main.ts';

process.exitCode = await runAction({ env: process.env, stdout: { write: (chunk) => void process.stdout.write(chunk) } });
