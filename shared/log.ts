import winston from 'winston';

/**
 * Structured JSON logs. Every line carries the fields that say where it came from
 * (job, container, task, store…); add them with `logger.child({ task })` rather than in the text.
 * Never log per message or per store operation: log state changes once, count the rest in metrics.
 */
export type Logger = winston.Logger;

export interface LogFields {
  job?: string;
  container?: string;
  task?: string;
  store?: string;
  component?: string;
  [field: string]: unknown;
}

const level = process.env.SLUICE_LOG_LEVEL ?? 'info';

const root = winston.createLogger({
  level,
  format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
  // stderr keeps stdout free for a command's own output (the demo's table, `sluice status`).
  transports: [new winston.transports.Console({ stderrLevels: Object.keys(winston.config.npm.levels) })],
});

export function createLogger(fields: LogFields = {}): Logger {
  return root.child(fields);
}

/** For tests and tools that want quiet logs or a different level at run time. */
export function setLogLevel(newLevel: string): void {
  root.level = newLevel;
}
