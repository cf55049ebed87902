/**
 * In-memory work never waits for I/O, and a chain of microtasks starves
 * timers: CPU-bound loops let the event loop turn every TURN_EVERY batches,
 * so a cancellation (an AbortSignal's timeout, another task's failure) lands.
 */
export const TURN_EVERY = 16;

/** Resolves after the event loop has run timers and I/O callbacks once. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
