/** lazyChild: the same lines as pino's child, but the child is only made when something is written. */
import { Writable } from 'node:stream';
import { createLogger, lazyChild } from '@mpp/telemetry';

function captured(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level, name: 'test', destination }), lines };
}

describe('lazyChild', () => {
  it('writes with its bindings, like a child', () => {
    const { logger, lines } = captured('info');
    const log = lazyChild(logger, { job_id: 'j1', stage: 'B' });
    log.info({ n: 1 }, 'hello');
    log.child({ attempt: 2 }).warn('again');
    expect(lines).toMatchObject([
      { job_id: 'j1', stage: 'B', n: 1, msg: 'hello', level: 'info' },
      { job_id: 'j1', stage: 'B', attempt: 2, msg: 'again', level: 'warn' },
    ]);
  });

  it('makes no child until used, nor for a level the parent does not write', () => {
    const { logger, lines } = captured('error');
    const child = jest.spyOn(logger, 'child');
    const log = lazyChild(logger, { job_id: 'j2' });
    log.info('not written');
    log.debug('not written');
    expect(child).not.toHaveBeenCalled();
    log.error('written');
    expect(child).toHaveBeenCalledTimes(1);
    expect(log.isLevelEnabled('warn')).toBe(false);
    expect(lines).toMatchObject([{ job_id: 'j2', msg: 'written', level: 'error' }]);
  });
});
