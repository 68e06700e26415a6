import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** One DynamoDB call as a hook sees it: the command's name and every table it touches. */
export interface HookedCall {
  /** The SDK's command name: `GetItemCommand`, `TransactWriteItemsCommand`, … */
  command: string;
  tables: string[];
  /** The call's input (a document or a marshalled one, depending on the layer): for matching, not for reading. */
  input: Record<string, unknown>;
}

/** Runs the call (or not) and answers for it: `send()` passes it on to DynamoDB. */
export type Hook = (call: HookedCall, send: () => Promise<unknown>) => Promise<unknown>;

function tablesOf(input: Record<string, unknown>): string[] {
  if (typeof input.TableName === 'string') return [input.TableName];
  const items = (input.TransactItems ?? []) as Record<string, { TableName?: string } | undefined>[];
  return items.flatMap((item) =>
    Object.values(item).flatMap((operation) => (operation?.TableName ? [operation.TableName] : [])),
  );
}

/**
 * Puts `hook` around every call one client makes, below the use cases and the store: the seam that orders
 * concurrent writes deterministically (commit this before that read, fail that one transaction) in DynamoDB's
 * own terms, so it survives a refactor of the store's methods. Returns the function that removes it.
 * @example const unhook = hookCommands(runtime.client, async (call, send) => { if (call.command === 'TransactWriteItemsCommand') await drop(); return send(); });
 */
export function hookCommands(client: DynamoDBDocumentClient, hook: Hook): () => void {
  const name = `testHook-${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      const call = { command: context.commandName ?? 'UnknownCommand', tables: tablesOf(input), input };
      return (await hook(call, () => next(args))) as Awaited<ReturnType<typeof next>>;
    },
    { step: 'initialize', priority: 'high', name },
  );
  return () => void client.middlewareStack.remove(name);
}
