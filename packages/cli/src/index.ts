export { createProgram } from './program.js';
export { CliError } from './cli-error.js';
export { formatDuration, formatTable, formatLogLine } from './format.js';
