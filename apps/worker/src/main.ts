/** Worker entry point: `node apps/worker/dist/main.js` (`pnpm start:worker`). */
import { loadConfigOrExit } from '@mpp/config';
import { initTracing } from '@mpp/telemetry';
import { createWorkerApp } from './app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const tracing = initTracing({ serviceName: config.env.OTEL_SERVICE_NAME, component: 'worker', otlpEndpoint: config.env.OTEL_EXPORTER_OTLP_ENDPOINT });
  const app = await createWorkerApp({ config });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`received ${signal}, stopping worker\n`);
    app.close().then(() => tracing.shutdown().catch(() => undefined)).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
