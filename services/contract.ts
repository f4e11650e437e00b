/**
 * The wire contract shared by both services (bank and store): error bodies, fault switches, health.
 *
 * Money is always an integer number of cents. Every mutating call carries an idempotency key; a repeated
 * key returns the first successful result (with `replayed: true`) and changes nothing. A failed call
 * applies nothing and records nothing.
 *
 * Bad input is a 400 ValidationError naming the field, never a 500 (a 500 is retryable: it would send a workflow into
 * retries of a request that can never succeed):
 * - ids and idempotency keys (and address parts) are strings of at most 200 characters, ids non-blank, with no
 *   control character (U+0000-U+001F, U+007F-U+009F: storage cannot hold NUL) and no lone surrogate (not Unicode:
 *   storage would turn it into U+FFFD, so two ids would become one); ids in a path (`/accounts/:accountId`) too;
 * - amounts, balances, credit and quantities are integers from 0 (or 1) to 2^53 - 1 (Number.MAX_SAFE_INTEGER, the
 *   largest integer a JSON number carries exactly). Every total the audits report stays within it too, so every
 *   number the services answer is exact: a call that would take one past it is a 400 naming the field that would
 *   (the bank: an opening `balance`, a deposit `amount` that is new money, i.e. more than its reference withdrew, or
 *   a withdraw or deposit `amount` that takes what one reference withdrew or deposited past it; the store: opening
 *   `credit`, `available` stock that with what is reserved would pass it, or an order's `items[i].quantity` whose sum
 *   for one SKU would). A transfer, a refund or another compensation is never refused for it. The checks that read
 *   the state come, like the business errors, after a fault rule has had its say; a request malformed in itself is
 *   refused before any rule.
 */

/** Error types a service answers with. Business errors (status 422 or 409) mean "nothing was applied". */
export type ServiceErrorType =
  // 400: the request itself is wrong; retrying cannot help.
  | 'ValidationError'
  // 409: the idempotency key was already used for a different request.
  | 'IdempotencyKeyReused'
  // 422 business errors (the names the workflows' retry policies know).
  | 'InvalidAccountError'
  | 'InsufficientFundsError'
  | 'TransferClosedError'
  | 'PaymentDeclined'
  | 'OutOfStockError'
  | 'InvalidAddressError'
  | 'OrderClosedError'
  // 404: no such route.
  | 'NotFound'
  // 503: a fault switch fired (retryable, like a real outage).
  | 'InjectedFault'
  // 500: a bug or an unexpected storage error (retryable).
  | 'InternalError';

export interface ErrorBody {
  error: {
    type: ServiceErrorType;
    message: string;
    /** The request field that was wrong, for ValidationError. */
    field?: string;
  };
}

/**
 * A fault switch, as the tutorial's `deposit_that_fails` but controllable at run time:
 * `POST /_faults` adds a rule (201 FaultRuleState), `GET /_faults` lists rules with what is left of them
 * (FaultRuleState[]), `DELETE /_faults` clears them (`{ "cleared": <number of rules> }`). A rule with an unknown
 * field, operation or effect, a `delayMs` outside `delay` rules (where it is required) or a `status` outside 400-599
 * is a 400 ValidationError naming the field. Only the idempotency-keyed operations consult the rules (seeding calls
 * such as opening an account never fail on purpose); a call that fails validation answers 400 and uses no rule.
 *
 * A rule applies to the next `count` calls of `operation` that match `match` (every matching call when `count`
 * is absent), in the order the rules were added; the first rule with calls left wins.
 */
export interface FaultRule {
  /** A service operation name (see BankOperation / StoreOperation), or '*' for every mutating operation. */
  operation: string;
  /**
   * - `fail`: answer `status` (default 503 InjectedFault) without applying anything.
   * - `fail-after-commit`: apply and commit the operation, then answer `status` anyway (a lost response).
   * - `delay`: wait `delayMs` before handling the call normally.
   */
  effect: 'fail' | 'fail-after-commit' | 'delay';
  count?: number;
  delayMs?: number;
  status?: number;
  /** Only calls whose request has these field values. */
  match?: { referenceId?: string; accountId?: string; orderId?: string };
}

export interface FaultRuleState extends FaultRule {
  id: number;
  /** Calls the rule still affects; null means unlimited. */
  remaining: number | null;
  /** Calls the rule has affected so far. */
  fired: number;
}

export interface HealthBody {
  service: 'bank' | 'store';
  ok: true;
}

/**
 * The first line a service process prints on stdout once it accepts connections, as JSON.
 * The harness waits for it to learn the port.
 */
export interface ReadyLine {
  event: 'listening';
  service: 'bank' | 'store';
  url: string;
  pid: number;
}
