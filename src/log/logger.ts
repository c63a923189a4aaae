/** The harness's one logger: levels, and every line redacted before it is written. */
import { redact } from './redact.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger whose level can change once the project's own configuration is read. */
export interface AdjustableLogger extends Logger {
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; default stderr, so stdout stays for a command's own output. */
  write?: (line: string) => void;
}

export function createLogger({ level, write = (line) => process.stderr.write(line + '\n') }: LoggerOptions): AdjustableLogger {
  let threshold = LOG_LEVELS.indexOf(level);
  const at = (lvl: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (LOG_LEVELS.indexOf(lvl) >= threshold) write(redact(lvl === 'info' ? message : `${lvl}: ${message}`));
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), setLevel: (l) => (threshold = LOG_LEVELS.indexOf(l)) };
}
