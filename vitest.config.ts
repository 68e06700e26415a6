import { defineConfig } from 'vitest/config';

const dynamo = { globalSetup: ['test/support/global-dynamodb.ts'] };
// The reliability suites (storm, model, faults) time their own DynamoDB Local traffic: they run after every other
// project has finished, not beside it, so a shared two-core machine's contention is not what they measure.
const first = { sequence: { groupOrder: 0 } };
const last = { sequence: { groupOrder: 1 } };

export default defineConfig({
  test: {
    // EMF lines are for CloudWatch: tests that read them turn metrics back on (test/integration/observability.test.ts).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', METRICS_ENABLED: 'false' },
    projects: [
      { test: { name: 'unit', ...first, include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          ...first,
          include: ['test/integration/**/*.test.ts'],
          ...dynamo,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'reliability',
          ...last,
          include: ['test/reliability/**/*.test.ts'],
          ...dynamo,
          testTimeout: 300_000,
          hookTimeout: 60_000,
        },
      },
      { test: { name: 'e2e', ...first, include: ['test/e2e/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 90_000 } },
      {
        test: {
          name: 'browser',
          ...first,
          include: ['test/browser/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 150_000,
        },
      },
      {
        test: {
          name: 'infra',
          ...first,
          include: ['test/infra/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
