/** API entry point: `node apps/api/dist/main.js` (`pnpm start:api`). */
import { loadConfigOrExit } from '@mpp/config';
import { createLogger, initTracing } from '@mpp/telemetry';
import { createApiApp } from './app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ level: config.env.PIPELINE_LOG_LEVEL, name: 'mathpix-api' });
  if (!config.providers.mathpix.appId) logger.warn('MATHPIX_APP_ID not set: stage B uses the local OCR provider');
  const tracing = initTracing({ serviceName: config.env.OTEL_SERVICE_NAME, component: 'api', otlpEndpoint: config.env.OTEL_EXPORTER_OTLP_ENDPOINT });
  const api = createApiApp({ config, logger });
  const server = await api.listen();
  logger.info({ address: server.address() }, 'API listening');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'API stopping: refusing new connections, finishing requests');
    api.close().then(() => tracing.shutdown().catch(() => undefined)).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
