import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultRule, FaultRuleState } from './contract';
import { ServiceError, validationError } from './errors';
import type { Route } from './http';
import { requireBodyObject, requireCount, requireId, requireObject } from './validate';

/**
 * The fault switchboard behind `POST|GET|DELETE /_faults` (see FaultRule in ./contract). Only the idempotency-keyed
 * operations consult it (seeding calls such as opening an account never fail on purpose), so `'*'` means any of them.
 * A call takes one use from the first rule (in the order added) that still has uses left and matches it.
 */
export class FaultSwitchboard<Operation extends string> {
  readonly #operations: readonly Operation[];
  #rules: FaultRuleState[] = [];
  #nextId = 1;

  constructor(operations: readonly Operation[]) {
    this.#operations = operations;
  }

  add(input: unknown): FaultRuleState {
    const rule = parseFaultRule(input, this.#operations);
    const state: FaultRuleState = { id: this.#nextId++, ...rule, remaining: rule.count ?? null, fired: 0 };
    this.#rules.push(state);
    return structuredClone(state);
  }

  list(): FaultRuleState[] {
    return this.#rules.map((rule) => structuredClone(rule));
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const cleared = this.#rules.length;
    this.#rules = [];
    return cleared;
  }

  /** Takes one use of the first rule that applies to this call, if any. */
  take(operation: Operation, request: MatchableRequest): FaultRuleState | undefined {
    const rule = this.#rules.find((candidate) => candidate.remaining !== 0 && ruleMatches(candidate, operation, request));
    if (!rule) return undefined;
    rule.fired += 1;
    if (rule.remaining !== null) rule.remaining -= 1;
    return structuredClone(rule);
  }

  routes(): Route[] {
    return [
      { method: 'POST', path: '/_faults', handler: async ({ body }) => ({ status: 201, body: this.add(body) }) },
      { method: 'GET', path: '/_faults', handler: async () => ({ body: this.list() }) },
      { method: 'DELETE', path: '/_faults', handler: async () => ({ body: { cleared: this.clear() } }) },
    ];
  }
}

/** The request fields a rule's `match` can name. */
export type MatchableRequest = NonNullable<FaultRule['match']>;

/**
 * A POST route for one idempotency-keyed operation: parse the body (a bad request is a 400 whatever the rules),
 * then apply it under the switchboard's rules.
 */
export function operationRoute<Operation extends string, Request extends MatchableRequest>(
  switchboard: FaultSwitchboard<Operation>,
  route: {
    path: string;
    operation: Operation;
    parse: (body: unknown) => Request;
    apply: (request: Request) => Promise<unknown>;
  },
): Route {
  return {
    method: 'POST',
    path: route.path,
    handler: async ({ body }) => {
      const request = route.parse(body);
      return { body: await withFaults(switchboard, route.operation, request, () => route.apply(request)) };
    },
  };
}

/**
 * Runs `apply` (one operation, one transaction) under whatever rule the switchboard has for this call.
 * With `fail-after-commit`, an `apply` that fails on its own answers its own error: nothing was committed.
 */
async function withFaults<Operation extends string, T>(
  switchboard: FaultSwitchboard<Operation>,
  operation: Operation,
  request: MatchableRequest,
  apply: () => Promise<T>,
): Promise<T> {
  const rule = switchboard.take(operation, request);
  if (!rule) return apply();
  switch (rule.effect) {
    case 'fail':
      throw injectedFault(rule, operation, 'nothing was applied');
    case 'delay':
      await sleep(rule.delayMs ?? 0);
      return apply();
    case 'fail-after-commit':
      await apply();
      throw injectedFault(rule, operation, 'the operation was applied and committed');
  }
}

function injectedFault(rule: FaultRuleState, operation: string, outcome: string): ServiceError {
  return new ServiceError(
    'InjectedFault',
    `injected fault: rule ${rule.id} (${rule.effect}) on ${operation}; ${outcome}`,
    undefined,
    rule.status ?? 503,
  );
}

const MATCH_FIELDS = ['referenceId', 'accountId', 'orderId'] as const;

function ruleMatches(rule: FaultRule, operation: string, request: MatchableRequest): boolean {
  if (rule.operation !== '*' && rule.operation !== operation) return false;
  return MATCH_FIELDS.every((field) => rule.match?.[field] === undefined || rule.match[field] === request[field]);
}

const RULE_FIELDS = ['operation', 'effect', 'count', 'delayMs', 'status', 'match'];
const EFFECTS: readonly FaultRule['effect'][] = ['fail', 'fail-after-commit', 'delay'];
const MAX_DELAY_MS = 120_000;

function parseFaultRule(input: unknown, operations: readonly string[]): FaultRule {
  const body = requireBodyObject(input);
  const unknownField = Object.keys(body).find((field) => !RULE_FIELDS.includes(field));
  if (unknownField !== undefined) {
    throw validationError(unknownField, `${unknownField} is not a fault rule field (expected ${RULE_FIELDS.join(', ')})`);
  }
  const { operation, effect } = body;
  if (typeof operation !== 'string' || (operation !== '*' && !operations.includes(operation))) {
    throw validationError('operation', `operation must be '*' or one of ${operations.join(', ')}`);
  }
  if (typeof effect !== 'string' || !EFFECTS.includes(effect as FaultRule['effect'])) {
    throw validationError('effect', `effect must be one of ${EFFECTS.join(', ')}`);
  }
  const rule: FaultRule = { operation, effect: effect as FaultRule['effect'] };
  if (body.count !== undefined) rule.count = requireCount(body.count, 'count', { min: 1 });
  if (rule.effect === 'delay') {
    const delayMs = requireCount(body.delayMs, 'delayMs', { min: 0 });
    if (delayMs > MAX_DELAY_MS) throw validationError('delayMs', `delayMs must be at most ${MAX_DELAY_MS}`);
    rule.delayMs = delayMs;
    if (body.status !== undefined) throw validationError('status', "status does not apply to effect 'delay'");
  } else {
    if (body.delayMs !== undefined) throw validationError('delayMs', "delayMs applies only to effect 'delay'");
    if (body.status !== undefined) rule.status = parseStatus(body.status);
  }
  if (body.match !== undefined) rule.match = parseMatch(body.match);
  return rule;
}

function parseStatus(value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 400 || (value as number) > 599) {
    throw validationError('status', 'status must be an integer HTTP error status from 400 to 599');
  }
  return value as number;
}

function parseMatch(value: unknown): NonNullable<FaultRule['match']> {
  const match = requireObject(value, 'match');
  const result: NonNullable<FaultRule['match']> = {};
  for (const [field, fieldValue] of Object.entries(match)) {
    if (!isMatchField(field)) {
      throw validationError(`match.${field}`, `match.${field} is not a match field (expected ${MATCH_FIELDS.join(', ')})`);
    }
    result[field] = requireId(fieldValue, `match.${field}`);
  }
  return result;
}

function isMatchField(field: string): field is (typeof MATCH_FIELDS)[number] {
  return (MATCH_FIELDS as readonly string[]).includes(field);
}
