/**
 * @mpp/schemas: the source of truth for stage ids, names, options, stage inputs and outputs, the
 * job view and the result document. Everything else derives from these.
 */
export * from './common';
export * from './options';
export * from './stages';
export * from './job';
export * from './result';
export * from './problem';
export * from './result-builder';
export * from './review-task';
export * from './job-confidence';
export * from './json-schema';
export * from './ops';
export * from './mathpix-v3';
export * from './answers';
