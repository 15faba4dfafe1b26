/** A usage error of a command: main.ts prints its message and exits 2. Apart, so any CLI module can throw it. */
export class CliUsageError extends Error {}
