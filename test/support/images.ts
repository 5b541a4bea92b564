/** Hand-built hostile images for the integration tests, shared with the imaging package's own tests. */
export { pngWithClaimedSize, pseudoRandomBytes, solidImage } from '../../packages/imaging/test/bad-inputs';
