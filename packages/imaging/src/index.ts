/**
 * @mpp/imaging: image validation (`inspectImage`), normalisation (`normalizeImage`), content
 * hashing and the small pixel helpers stages share. Depends on sharp only.
 */
export * from './errors';
export * from './sniff';
export * from './inspect';
export * from './normalize';
export * from './pixels';
