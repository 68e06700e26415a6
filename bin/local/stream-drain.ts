/**
 * Drains DynamoDB Local's stream of the attempts table into the payout-sender the way Lambda's event source
 * mapping would: records in order per shard, the same filter (INSERT/MODIFY with NewImage.status = queued), the
 * Lambda event shape (ApproximateCreationDateTime in epoch seconds, eventSourceARN), batchItemFailures honoured by
 * retrying from the first failed record, a bounded number of times (then the record goes to the "DLQ": a log line).
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

export interface StreamDrainOptions {
  endpoint: string;
  table: string;
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  batchSize?: number;
  /** Like the event source's retryAttempts. */
  retryAttempts?: number;
  pollMs?: number;
  onDeadLetter?: (record: DynamoDBRecord) => void;
  /** The event source mapping's filter; by default the payout-sender's (queued attempts). */
  filter?: (record: DynamoDBRecord) => boolean;
}

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/** The event source mapping's filter: only queued attempts reach the sender. */
export function passesFilter(record: DynamoDBRecord): boolean {
  return (
    (record.eventName === 'INSERT' || record.eventName === 'MODIFY') &&
    record.dynamodb?.NewImage?.status?.S === 'queued'
  );
}

function toLambdaRecord(record: _Record, streamArn: string): DynamoDBRecord {
  const data = record.dynamodb ?? {};
  const created = data.ApproximateCreationDateTime;
  return {
    eventID: record.eventID,
    eventName: record.eventName as DynamoDBRecord['eventName'],
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: record.awsRegion ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      // Lambda carries epoch seconds; DynamoDB Local's SDK answer is a Date.
      ApproximateCreationDateTime:
        created instanceof Date ? Math.floor(created.getTime() / 1000) : Number(created ?? 0),
      Keys: data.Keys as never,
      NewImage: data.NewImage as never,
      OldImage: data.OldImage as never,
      SequenceNumber: data.SequenceNumber,
      SizeBytes: data.SizeBytes,
      StreamViewType: data.StreamViewType as never,
    },
  };
}

export function startStreamDrain(options: StreamDrainOptions): { stop(): Promise<void>; idle(): boolean } {
  const { endpoint, table, handler, batchSize = 100, retryAttempts = 5, pollMs = 100, filter = passesFilter } = options;
  const streams = new DynamoDBStreamsClient({ endpoint, region: 'us-east-1', credentials });
  const dynamo = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials });
  let stopped = false;
  let busy = false;
  const shards = new Map<string, string | undefined>();
  const lastSequence = new Map<string, string>();

  const deliver = async (records: DynamoDBRecord[]) => {
    let pending = records;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      let failed: string[] = [];
      try {
        const result = await handler({ Records: pending });
        failed = (result?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier);
      } catch {
        failed = [pending[0]?.dynamodb?.SequenceNumber ?? ''];
      }
      if (failed.length === 0) return;
      // Lambda restarts from the lowest failed sequence number.
      const first = pending.findIndex((record) => failed.includes(record.dynamodb?.SequenceNumber ?? ''));
      pending = first < 0 ? pending : pending.slice(first);
      if (attempt >= retryAttempts) {
        for (const record of pending.slice(0, 1)) options.onDeadLetter?.(record);
        pending = pending.slice(1);
        attempt = -1;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** attempt, 5_000)));
    }
  };

  const loop = async () => {
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${table} has no stream`);
    let lastDescribe = 0;
    while (!stopped) {
      if (Date.now() - lastDescribe > 5_000) {
        lastDescribe = Date.now();
        const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
        for (const shard of StreamDescription?.Shards ?? []) {
          if (!shard.ShardId || shards.has(shard.ShardId)) continue;
          const { ShardIterator } = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shard.ShardId,
              ShardIteratorType: 'TRIM_HORIZON',
            }),
          );
          shards.set(shard.ShardId, ShardIterator);
        }
      }
      let any = false;
      for (const [shardId, iterator] of shards) {
        if (!iterator) continue;
        let page: GetRecordsCommandOutput;
        try {
          page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: batchSize }));
        } catch (error) {
          // DynamoDB Local answers TrimmedDataAccess to a TRIM_HORIZON iterator taken while the shard was empty,
          // and iterators expire: take a fresh one after the last record delivered.
          const name = (error as Error).name;
          if (name !== 'TrimmedDataAccessException' && name !== 'ExpiredIteratorException') throw error;
          const last = lastSequence.get(shardId);
          const { ShardIterator } = await streams.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: shardId,
              ...(last
                ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: last }
                : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          );
          shards.set(shardId, ShardIterator);
          continue;
        }
        const { Records = [], NextShardIterator } = page;
        shards.set(shardId, NextShardIterator);
        const lastRecord = Records.at(-1)?.dynamodb?.SequenceNumber;
        if (lastRecord) lastSequence.set(shardId, lastRecord);
        const wanted = Records.map((record) => toLambdaRecord(record, streamArn)).filter(filter);
        if (Records.length > 0) any = true;
        if (wanted.length > 0) {
          busy = true;
          try {
            await deliver(wanted);
          } finally {
            busy = false;
          }
        }
      }
      if (!any) await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  };

  const running = loop().catch((error: unknown) => {
    if (!stopped) console.error(`stream drain stopped: ${(error as Error).message}`);
  });
  return {
    idle: () => !busy,
    stop: async () => {
      stopped = true;
      await running;
      streams.destroy();
      dynamo.destroy();
    },
  };
}
