import {
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ThrottlingException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * What can go wrong between a function and DynamoDB, which DynamoDB Local never does by itself:
 * - `throttle`: ProvisionedThroughputExceeded / Throttling / RequestLimitExceeded, or a transaction cancelled with
 *   `ThrottlingError` reasons;
 * - `conflict`: a transaction cancelled with `TransactionConflict` on one of its items (writes only);
 * - `network`: the connection fails before the request reaches DynamoDB (ECONNRESET, EPIPE, EHOSTUNREACH…);
 * - `lost-answer`: DynamoDB applied the request, then the answer was lost (a timeout or reset after commit).
 */
export const FAULT_KINDS = ['throttle', 'conflict', 'network', 'lost-answer'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Where the fault strikes:
 * - `sdk`: inside the SDK's retry loop (the deserialize step), for `attempts` consecutive attempts. One attempt is
 *   absorbed by the SDK's own retry when the error is one it retries; three exhaust `maxAttempts: 3`.
 * - `app`: outside the SDK's retries (the initialize step): the error reaches the application as it is.
 */
export type FaultLayer = 'sdk' | 'app';

export interface FaultRule {
  /** The low-level command name, e.g. GetItemCommand, QueryCommand, TransactWriteItemsCommand. */
  command: string;
  /** Which call of that command (1-based) since the injector was armed. */
  nth: number;
  kind: FaultKind;
  layer: FaultLayer;
  attempts?: number;
  /** Picks one concrete error of the kind (which exception, which network code, which item conflicts). */
  variant?: number;
}

/** Commands that write: the only ones a conflict can hit. */
export const WRITE_COMMANDS = new Set([
  'TransactWriteItemsCommand',
  'UpdateItemCommand',
  'PutItemCommand',
  'DeleteItemCommand',
]);

const NETWORK_CODES = [
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
] as const;
const metadata = { httpStatusCode: 400, requestId: 'fault-injected', attempts: 1, totalRetryDelay: 0 };

function itemCount(input: unknown): number {
  const items = (input as { TransactItems?: unknown[] }).TransactItems;
  return Array.isArray(items) ? items.length : 0;
}

function cancelled(input: unknown, code: string, variant: number): TransactionCanceledException {
  const count = Math.max(1, itemCount(input));
  const hit = variant % count;
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${Array.from({ length: count }, (_, i) => (i === hit || code === 'ThrottlingError' ? code : 'None')).join(', ')}]`,
    $metadata: metadata,
    CancellationReasons: Array.from({ length: count }, (_, i) =>
      i === hit || code === 'ThrottlingError' ? { Code: code, Message: `${code} (fault injected)` } : { Code: 'None' },
    ),
  });
}

/** The error a fault throws, shaped like the SDK's own. */
export function faultError(kind: FaultKind, command: string, input: unknown, variant = 0): Error {
  const transaction = command === 'TransactWriteItemsCommand';
  switch (kind) {
    case 'throttle': {
      const options = {
        message: 'The level of configured provisioned throughput for the table was exceeded (fault injected).',
        $metadata: metadata,
      };
      const choices = [
        () => new ProvisionedThroughputExceededException(options),
        () => new ThrottlingException(options),
        () => (transaction ? cancelled(input, 'ThrottlingError', variant) : new RequestLimitExceeded(options)),
      ];
      return choices[variant % choices.length]!();
    }
    case 'conflict':
      return transaction
        ? cancelled(input, 'TransactionConflict', variant)
        : new TransactionConflictException({
            message: 'Transaction is ongoing for the item (fault injected).',
            $metadata: metadata,
          });
    case 'network': {
      const code = NETWORK_CODES[variant % NETWORK_CODES.length]!;
      return Object.assign(
        new Error(`${code === 'ECONNRESET' ? 'socket hang up' : `connect ${code} 127.0.0.1`} (fault injected)`),
        { code },
      );
    }
    case 'lost-answer':
      return variant % 2 === 0
        ? Object.assign(new Error('Connection timed out after 3000 ms (fault injected, after commit)'), {
            name: 'TimeoutError',
          })
        : Object.assign(new Error('socket hang up (fault injected, after commit)'), { code: 'ECONNRESET' });
  }
}

const FAULT = Symbol('reliability-fault');
type Armed = { rule: FaultRule; remaining: number };

/**
 * A fault-injecting middleware pair for one DynamoDB client. Arm it with rules; each call is counted per command
 * name at the initialize step (outside the SDK's retries), and a matching rule fires there (`app`) or, for `sdk`,
 * at the deserialize step inside the retry loop, once per attempt until its attempts are used up.
 * @example const faults = FaultInjector.install(runtime.client); faults.arm([{ command: 'TransactWriteItemsCommand', nth: 1, kind: 'lost-answer', layer: 'app' }]);
 */
export class FaultInjector {
  /** Every call since the last arm(), in order: `GetItemCommand#2` is the second GetItem. */
  readonly calls: string[] = [];
  /** Faults thrown (each SDK attempt that failed counts once). */
  injected = 0;
  /** Calls whose fault let the request reach DynamoDB (lost answers): the write may have committed. */
  committedDespiteError = 0;
  /** Calls begun and not yet answered: a request answered at its deadline may still be working. */
  inFlight = 0;
  private rules: FaultRule[] = [];
  private counts = new Map<string, number>();
  /** A random plan instead of rules: each call fails with this probability. */
  private random?: { probability: number; rng: () => number };

  static install(client: DynamoDBDocumentClient): FaultInjector {
    const injector = new FaultInjector();
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = context.commandName ?? 'UnknownCommand';
        const n = (injector.counts.get(command) ?? 0) + 1;
        injector.counts.set(command, n);
        injector.calls.push(`${command}#${n}`);
        injector.inFlight += 1;
        try {
          const rule = injector.ruleFor(command, n);
          if (!rule) return await next(args);
          if (rule.layer === 'sdk') {
            (context as Record<symbol, Armed>)[FAULT] = { rule, remaining: rule.attempts ?? 1 };
            return await next(args);
          }
          injector.injected += 1;
          if (rule.kind === 'lost-answer') {
            const output = await next(args);
            injector.committedDespiteError += 1;
            void output;
          }
          throw faultError(rule.kind, command, args.input, rule.variant);
        } finally {
          injector.inFlight -= 1;
        }
      },
      { step: 'initialize', priority: 'high', name: 'reliabilityFaultsApp' },
    );
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const armed = (context as Record<symbol, Armed | undefined>)[FAULT];
        if (!armed || armed.remaining <= 0) return next(args);
        armed.remaining -= 1;
        injector.injected += 1;
        if (armed.rule.kind === 'lost-answer') {
          await next(args);
          injector.committedDespiteError += 1;
        }
        throw faultError(armed.rule.kind, armed.rule.command, args.input, armed.rule.variant);
      },
      { step: 'deserialize', priority: 'high', name: 'reliabilityFaultsSdk' },
    );
    return injector;
  }

  /** Replaces the rules and restarts the per-command call counts. */
  arm(rules: FaultRule[]): void {
    this.rules = rules;
    this.random = undefined;
    this.counts.clear();
    this.calls.length = 0;
  }

  /** Fails each call with `probability`, kind/layer/attempts drawn from `rng`. */
  armRandom(probability: number, rng: () => number): void {
    this.arm([]);
    this.random = { probability, rng };
  }

  disarm(): void {
    this.arm([]);
  }

  private ruleFor(command: string, nth: number): FaultRule | undefined {
    const explicit = this.rules.find((rule) => rule.command === command && rule.nth === nth);
    if (explicit || !this.random) return explicit;
    const { probability, rng } = this.random;
    if (rng() >= probability) return undefined;
    const kinds = FAULT_KINDS.filter((kind) => kind !== 'conflict' || WRITE_COMMANDS.has(command));
    const kind = kinds[Math.floor(rng() * kinds.length)]!;
    const layer: FaultLayer = rng() < 0.5 ? 'sdk' : 'app';
    return { command, nth, kind, layer, attempts: 1 + Math.floor(rng() * 3), variant: Math.floor(rng() * 8) };
  }
}
