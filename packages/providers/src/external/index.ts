/** External providers (Mathpix, Claude, Gemini) and the factory that builds the chains. */
export * from './create-providers';
export * from './image-payload';
export * from './vision-answer';
export * from './usage';
export { MathpixClient, classifyMathpixError } from './mathpix/mathpix-client';
export { mapMathpixText, toDollarMath } from './mathpix/mathpix-mapping';
export { MathpixTextProvider } from './mathpix/mathpix-provider';
export { AnthropicVisionProvider } from './anthropic/anthropic-provider';
export { GeminiVisionProvider } from './gemini/gemini-provider';
/** For the worker, which meters each stage attempt's external calls (docs/providers.md). */
export { UsageMeter, withUsageMeter, type MeteredUsage } from '@mpp/resilience';
