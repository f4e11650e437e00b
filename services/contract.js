/**
 * The wire contract shared by both services (bank and store): error bodies, fault switches, health.
 *
 * Money is always an integer number of cents. Every mutating call carries an idempotency key; a repeated
 * key returns the first successful result (with `replayed: true`) and changes nothing. A failed call
 * applies nothing and records nothing.
 */
export {};
//# sourceMappingURL=contract.js.map