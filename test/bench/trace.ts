/**
 * A client middleware that records every DynamoDB call (command, start, end, consumed capacity), and the
 * arithmetic that turns those records into sequential waves: calls that overlap in time are one wave.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface CallRecord {
  command: string;
  start: number;
  end: number;
  /** Capacity units DynamoDB reported for the call (read + write, every table and index it touched). */
  capacity: number;
}

export interface Trace {
  calls: CallRecord[];
  reset(): void;
  /** Stops recording (the middleware stays, and costs one closure call). */
  pause(): void;
  resume(): void;
}

interface Capacity {
  CapacityUnits?: number;
}

function capacityOf(consumed: unknown): number {
  if (Array.isArray(consumed)) return consumed.reduce((sum: number, one) => sum + capacityOf(one), 0);
  return typeof consumed === 'object' && consumed !== null ? ((consumed as Capacity).CapacityUnits ?? 0) : 0;
}

/**
 * Adds the recorder to a client's middleware stack (shared by the DocumentClient and the client it wraps).
 * With `consumedCapacity`, every call also asks for ReturnConsumedCapacity: 'TOTAL'.
 * @example const trace = traceClient(runtime.client); await handler(event, ctx); waves(trace.calls) // 1
 */
export function traceClient(client: DynamoDBDocumentClient, { consumedCapacity = false } = {}): Trace {
  const calls: CallRecord[] = [];
  let recording = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!recording) return next(args);
      const input = args.input as Record<string, unknown>;
      if (consumedCapacity) input.ReturnConsumedCapacity = 'TOTAL';
      const start = performance.now();
      let capacity = 0;
      try {
        const result = await next(args);
        capacity = capacityOf((result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity);
        return result;
      } finally {
        // A failed call (a cancelled transaction) is recorded with 0 capacity: the bench's calls succeed.
        calls.push({
          command: String(context.commandName ?? 'unknown').replace(/Command$/, ''),
          start,
          end: performance.now(),
          capacity,
        });
      }
    },
    { step: 'initialize', name: 'benchTrace', priority: 'high', override: true },
  );
  return {
    calls,
    reset: () => void calls.splice(0),
    pause: () => void (recording = false),
    resume: () => void (recording = true),
  };
}

/**
 * Each call's wave: 1 + the deepest wave among the calls that had ended before it started. The number of waves is
 * the longest chain of calls that each waited for the previous one, i.e. the round trips a caller waits for in
 * sequence; calls in flight together (Promise.all) share a wave even when one of them outlasts a chained pair.
 */
function waveOf(calls: readonly CallRecord[]): { call: CallRecord; wave: number }[] {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const placed: { call: CallRecord; wave: number }[] = [];
  for (const call of sorted) {
    const before = placed.filter((earlier) => earlier.call.end <= call.start).map((earlier) => earlier.wave);
    placed.push({ call, wave: 1 + Math.max(0, ...before) });
  }
  return placed;
}

export const waves = (calls: readonly CallRecord[]) => Math.max(0, ...waveOf(calls).map((placed) => placed.wave));

/** "Query → GetItem ‖ Query → TransactWriteItems": the calls grouped in their waves. */
export function describeWaves(calls: readonly CallRecord[]): string {
  const groups: string[][] = [];
  for (const { call, wave } of waveOf(calls)) (groups[wave - 1] ??= []).push(call.command);
  return groups.map((group) => group.join(' ‖ ')).join(' → ');
}

export const totalCapacity = (calls: readonly CallRecord[]) => calls.reduce((sum, call) => sum + call.capacity, 0);

/** Time during which at least one DynamoDB call was in flight (the union of the calls' intervals), in ms. */
export function dynamoTime(calls: readonly CallRecord[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const call of sorted) {
    if (call.start > to) {
      if (to > from) total += to - from;
      from = call.start;
      to = call.end;
    } else to = Math.max(to, call.end);
  }
  if (to > from) total += to - from;
  return total;
}
