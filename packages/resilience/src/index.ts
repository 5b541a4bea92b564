/** @mpp/resilience: fleet-wide circuit breakers in Redis and the policies around provider calls. */
export * from './errors';
export * from './breaker-store';
export * from './resilient-caller';
export * from './usage-meter';
