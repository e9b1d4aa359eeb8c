import type { z } from 'zod';
import { ConfigError, EXIT_CONFIG, type baseConfigSchema } from './config.js';
import { createService, type ServiceOptions } from './service.js';

/**
 * The `main` of a service process: creates the service, listens, and shuts down gracefully on SIGTERM or
 * SIGINT — and when the supervising runtime disappears (its IPC channel closes), so no replica outlives it.
 * A config error prints one line naming the variables and exits 78; nothing else is printed to the user.
 */
export async function runService<S extends z.ZodObject = typeof baseConfigSchema>(
  options: ServiceOptions<S>,
): Promise<void> {
  let service;
  try {
    service = await createService(options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${options.name}: config error: ${error.problems.join('; ')}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(
      `${options.name}: failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  const { log } = service;

  const stop = (reason: string): void => {
    // Whatever happens during shutdown, the process ends: a hung hook must not leave an orphan behind.
    setTimeout(() => process.exit(1), service.config.SHUTDOWN_TIMEOUT_MS + 5_000).unref();
    service.shutdown(reason).then(
      (clean) => process.exit(clean ? 0 : 1),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  if (process.send !== undefined) {
    process.once('disconnect', () => stop('supervisor gone'));
    // The runtime's drain notice: it sends it when it takes this replica out of discovery, before SIGTERM.
    process.on('message', (message: unknown) => {
      if (
        typeof message === 'object' &&
        message !== null &&
        (message as { type?: unknown }).type === 'opsloop:drain'
      )
        service.drain('the supervisor is stopping this replica');
    });
  }
  const die = (what: string, error: unknown): never => {
    try {
      log.fatal({ err: error }, what);
    } finally {
      process.exit(1);
    }
  };
  process.on('uncaughtException', (error) => die('uncaught exception', error));
  process.on('unhandledRejection', (reason) => die('unhandled promise rejection', reason));

  try {
    await service.listen();
  } catch (error) {
    log.fatal({ err: error }, 'cannot listen');
    process.stderr.write(
      `${options.name}: cannot listen on ${service.config.HOST}:${service.config.PORT}: ${
        error instanceof Error ? error.message : String(error)
      }\n`,
    );
    process.exit(1);
  }
}
