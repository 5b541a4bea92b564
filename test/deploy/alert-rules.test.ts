/**
 * The alert rules evaluated by promtool against series shaped like ours: fleet-wide values that
 * every API replica reports alike (jobs processed, review backlog), so a rule must count them
 * once, and failures taken as a share of all jobs ended.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { promtoolAvailable } from '../support/exposition';
import { ROOT } from './deploy-files';

const API_REPLICAS = ['api-1', 'api-2', 'api-3'];

/** One series per API replica, all with the same values (a fleet-wide value read from Redis). */
const onEveryReplica = (metric: string, labels: string, values: string) =>
  API_REPLICAS.map((instance) => ({ series: `${metric}{job="mathpix-pipeline",instance="${instance}"${labels ? `,${labels}` : ''}}`, values }));

const jobs = (successPerMinute: number, failurePerMinute: number) => [
  ...onEveryReplica('mathpix_images_processed_total', 'status="success"', `0+${successPerMinute}x40`),
  ...onEveryReplica('mathpix_images_processed_total', 'status="failure"', `0+${failurePerMinute}x40`),
];

function promtoolTest(tests: object[]): { ok: boolean; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mpp-alerts-'));
  try {
    const file = path.join(dir, 'alerts.test.yaml');
    writeFileSync(file, stringify({ rule_files: [path.join(ROOT, 'infra/prometheus/alerts.yaml')], evaluation_interval: '1m', tests }));
    const r = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

(promtoolAvailable() ? describe : describe.skip)('alert rules under promtool test rules', () => {
  it('MathpixJobFailureRate: fires at 20% failed jobs reported by three API replicas, with the share of all jobs', () => {
    const r = promtoolTest([
      {
        interval: '1m',
        input_series: jobs(160, 40),
        alert_rule_test: [{ eval_time: '35m', alertname: 'MathpixJobFailureRate', exp_alerts: [{ exp_labels: { severity: 'critical' }, exp_annotations: { summary: '20% of jobs fail' } }] }],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  it('MathpixJobFailureRate: stays quiet at 9.5% failed jobs (failures over all jobs, not over successes)', () => {
    const r = promtoolTest([{ interval: '1m', input_series: jobs(181, 19), alert_rule_test: [{ eval_time: '35m', alertname: 'MathpixJobFailureRate', exp_alerts: [] }] }]);
    expect(r.output).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  it('MathpixReviewBacklogOld: fires once the oldest job has waited more than 12 hours for 15 minutes', () => {
    const r = promtoolTest([
      {
        interval: '1m',
        // 13 h old at the start, one minute older each minute.
        input_series: onEveryReplica('mathpix_review_backlog_oldest_seconds', '', '46800+60x40'),
        alert_rule_test: [
          { eval_time: '10m', alertname: 'MathpixReviewBacklogOld', exp_alerts: [] },
          {
            eval_time: '35m',
            alertname: 'MathpixReviewBacklogOld',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning' },
                exp_annotations: { summary: 'A job has waited 13h 35m 0s for human review', description: 'Reviewers are behind; jobs past REVIEW_EXPIRY_HOURS follow REVIEW_EXPIRY_ACTION.' },
              },
            ],
          },
        ],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });

  it('MathpixRedisUnreachable: fires for the process that lost Redis for a minute, not for a blip', () => {
    const r = promtoolTest([
      {
        interval: '1m',
        input_series: [
          { series: 'mathpix_redis_up{job="mathpix-pipeline-workers",instance="worker-1"}', values: '1 1 0 0 0 0 1' },
          { series: 'mathpix_redis_up{job="mathpix-pipeline-workers",instance="worker-2"}', values: '1 1 0 1 1 1 1' },
          { series: 'mathpix_redis_up{job="mathpix-pipeline",instance="api-1"}', values: '1x6' },
        ],
        alert_rule_test: [
          { eval_time: '2m', alertname: 'MathpixRedisUnreachable', exp_alerts: [] },
          {
            eval_time: '4m',
            alertname: 'MathpixRedisUnreachable',
            exp_alerts: [{ exp_labels: { severity: 'critical', job: 'mathpix-pipeline-workers', instance: 'worker-1' }, exp_annotations: { summary: 'mathpix-pipeline-workers worker-1 cannot reach Redis', description: 'The process is alive (/health 200) but has no Redis connection: the API answers 503 redis-unavailable and workers run nothing. Bring Redis back with its AOF; do not restart the pipeline\'s processes. docs/reliability.md, "Redis is down or restarting".' } }],
          },
          { eval_time: '6m', alertname: 'MathpixRedisUnreachable', exp_alerts: [] },
        ],
      },
    ]);
    expect(r.output).toContain('SUCCESS');
    expect(r.ok).toBe(true);
  });
});
