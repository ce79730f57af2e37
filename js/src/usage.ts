// The command line's one error type.

/** A usage or configuration mistake on the command line: printed, exit 2. */
export class UsageError extends Error {}
