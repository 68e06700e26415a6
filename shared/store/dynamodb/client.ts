import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface ClientOptions {
  region: string;
  endpoint?: string;
}

/**
 * The one DynamoDB client of a function, created at cold start and reused. Timeouts are short and bounded so a
 * stuck connection becomes a retryable 503 long before Lambda's own timeout; the SDK retries throttling itself.
 */
export function createDocumentClient({ region, endpoint }: ClientOptions): DynamoDBDocumentClient {
  const config: DynamoDBClientConfig = {
    region,
    maxAttempts: 3,
    // throwOnRequestTimeout: without it, @smithy/node-http-handler only logs a warning when requestTimeout passes.
    // Three attempts of at most 2 s stay well inside the function's timeout.
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000, throwOnRequestTimeout: true },
  };
  if (endpoint) {
    config.endpoint = endpoint;
    // DynamoDB Local accepts any credentials; real ones, when present in the environment, are used as they are.
    if (!process.env.AWS_ACCESS_KEY_ID) config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  }
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
