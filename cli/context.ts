/** Where a command writes and what it may read from its surroundings; injectable for tests. */
export interface OutputStream {
  write(chunk: string): void;
  /** True when the stream is a terminal (decides colour). */
  readonly isTTY?: boolean;
}

export interface CommandContext {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

let pipeGuardInstalled = false;

/** The real process: its streams, environment and working directory. */
export function processContext(): CommandContext {
  if (!pipeGuardInstalled) {
    pipeGuardInstalled = true;
    // `sluice validate | head` closes the pipe early; that is not an error worth a stack trace.
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return {
    stdout: {
      write: (chunk) => void process.stdout.write(chunk),
      get isTTY() {
        return process.stdout.isTTY === true;
      },
    },
    stderr: {
      write: (chunk) => void process.stderr.write(chunk),
      get isTTY() {
        return process.stderr.isTTY === true;
      },
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
