/** An expected failure that ends the command with exit code 2 and a one-line message. */
export class CliError extends Error {
  /** The command the message is about, for the `sluice <command>:` prefix. */
  readonly command: string | undefined;

  constructor(message: string, command?: string) {
    super(message);
    this.name = 'CliError';
    this.command = command;
  }
}

/** Bad arguments: reported like a CliError, followed by a pointer to the command's --help. */
export class UsageError extends CliError {
  constructor(message: string, command?: string) {
    super(message, command);
    this.name = 'UsageError';
  }
}

/** The one line printed for a CliError or UsageError. */
export function describeCliError(error: CliError): string {
  const prefix = error.command ? `sluice ${error.command}` : 'sluice';
  const message = oneLine(error.message);
  if (!(error instanceof UsageError)) return `${prefix}: ${message}`;
  return `${prefix}: ${message} (see '${prefix} --help')`;
}

/** Collapses a message onto one line (messages from exceptions may span several). */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
