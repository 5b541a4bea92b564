import type { FlowJob } from 'bullmq';
import { buildIngestionJob, buildPipelineFlow, stageQueueName } from '@mpp/queue';

function shape(node: FlowJob): unknown {
  const data = node.data as { stage: string; final: boolean };
  return { stage: data.stage, final: data.final, children: (node.children ?? []).map(shape) };
}

describe('pipeline flow shape', () => {
  it('chains D..H above B and C running in parallel, with H as the only final stage', () => {
    const roots = buildPipelineFlow('job1', { skip: [] });
    expect(roots).toHaveLength(1);
    expect(shape(roots[0]!)).toEqual({
      stage: 'H', final: true, children: [{ stage: 'G', final: false, children: [{ stage: 'F', final: false, children: [{ stage: 'E', final: false, children: [
        { stage: 'D', final: false, children: [{ stage: 'B', final: false, children: [] }, { stage: 'C', final: false, children: [] }] },
      ] }] }] }],
    });
    expect(roots[0]!.queueName).toBe(stageQueueName('H'));
  });

  it('gives every child failParentOnFailure, so no parent waits for a child that failed', () => {
    const walk = (n: FlowJob): FlowJob[] => [n, ...(n.children ?? []).flatMap(walk)];
    const all = walk(buildPipelineFlow('job1', { skip: [] })[0]!);
    expect(all).toHaveLength(7);
    for (const n of all) expect(n.opts?.failParentOnFailure).toBe(true);
    expect(new Set(all.map((n) => n.opts?.jobId)).size).toBe(7);
  });

  it('attaches the children of a skipped stage to its parent', () => {
    const [root] = buildPipelineFlow('job1', { skip: ['D', 'G', 'B'] });
    expect(shape(root!)).toEqual({ stage: 'H', final: true, children: [{ stage: 'F', final: false, children: [{ stage: 'E', final: false, children: [{ stage: 'C', final: false, children: [] }] }] }] });
  });

  it('makes each of several roots check for completion when the chain is skipped', () => {
    const roots = buildPipelineFlow('job1', { skip: ['D', 'E', 'F', 'G', 'H'] });
    expect(roots.map(shape)).toEqual([{ stage: 'B', final: true, children: [] }, { stage: 'C', final: true, children: [] }]);
  });

  it('carries priority to every stage and marks A final only when nothing follows', () => {
    const [root] = buildPipelineFlow('job1', { skip: [], priority: 5 });
    expect(root!.opts?.priority).toBe(5);
    expect(buildIngestionJob('job1', { skip: [] })?.data.final).toBe(false);
    expect(buildIngestionJob('job1', { skip: ['B', 'C', 'D', 'E', 'F', 'G', 'H'] })?.data.final).toBe(true);
    expect(buildIngestionJob('job1', { skip: ['A'] })).toBeUndefined();
  });
});
