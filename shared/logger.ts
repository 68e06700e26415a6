/**
 * Structured JSON logs, one line each. Callers pass ids and figures, never tokens, secrets or e-mail addresses.
 * The functions build theirs in shared/observability.ts, which adds the Lambda context of each invocation.
 */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

/**
 * @param level the threshold, or a function asked at each line (debug sampling changes it per invocation)
 * @param invocation fields of the current invocation (the Lambda context), asked at each line
 */
export function createLogger(
  level: LogLevel | (() => LogLevel),
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  invocation: () => Record<string, unknown> = () => ({}),
): Logger {
  const threshold = typeof level === 'function' ? level : () => level;
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (RANK[at] < RANK[threshold()]) return;
      write(
        JSON.stringify({ level: at, time: new Date().toISOString(), message, ...base, ...invocation(), ...fields }),
      );
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (fields) => createLogger(level, { ...base, ...fields }, write, invocation),
  };
}

/** What of an error is safe to log: its name, message and stack, and the same of its cause. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  return {
    error: error.name,
    error_message: error.message,
    stack: error.stack?.split('\n').slice(0, 6).join('\n'),
    ...(error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {}),
  };
}
