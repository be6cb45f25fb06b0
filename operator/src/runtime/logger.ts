// JSON logs for the operator process (pino), one child logger per component.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, base: { component: name } });
}

/** A logger that drops everything, for tests and library use without output. */
export const silentLogger: Logger = pino({ level: 'silent' });
