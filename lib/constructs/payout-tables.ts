import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type ITable,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { AFFILIATES, IDEMPOTENCY, PAYOUTS, TAX_YEARS } from '../../shared/store/dynamodb/tables.ts';

export interface PayoutTablesProps {
  stage: 'prod' | 'dev';
  /** Physical names of existing tables to adopt; a table not named here is created. */
  existing: { affiliates?: string; payouts?: string };
}

/** One table the stack uses, with the GSI names the code queries (so index ARNs can be granted). */
export interface TableRef {
  table: ITable;
  /** Names of the table's GSIs, from shared/store/dynamodb/tables.ts. */
  indexNames: readonly string[];
  /** True when the stack adopted the table by name rather than creating it. */
  adopted: boolean;
}

/**
 * The affiliates, payouts, idempotency and tax years tables. Names, keys and index projections come from
 * shared/store/dynamodb/tables.ts, the module the code reads. Created tables are on-demand, encrypted with the
 * AWS-managed key, and in `prod` keep point-in-time recovery, deletion protection and RemovalPolicy.RETAIN.
 */
export class PayoutTables extends Construct {
  readonly affiliates: TableRef;
  readonly payouts: TableRef;
  readonly idempotency: TableRef;
  /** Year-to-date totals per affiliate and calendar year, and each year's receipt sequence. */
  readonly taxYears: TableRef;

  constructor(scope: Construct, id: string, props: PayoutTablesProps) {
    super(scope, id);
    const _prod = props.stage === 'prod';
    const safe = tableDefaults(props.stage);

    // An adopted affiliates table must already hold the schedule index (README "Deploy").
    const affiliateIndexes = [AFFILIATES.userIndex.name, AFFILIATES.scheduleIndex.name];
    if (props.existing.affiliates) {
      this.affiliates = adopt(this, 'Affiliates', props.existing.affiliates, affiliateIndexes);
    } else {
      const table = new Table(this, 'Affiliates', {
        ...safe,
        partitionKey: string(AFFILIATES.partitionKey),
        // A changed payout destination, before and after, for the payout-notifier (issues 12 and 13).
        stream: StreamViewType.NEW_AND_OLD_IMAGES,
      });
      table.addGlobalSecondaryIndex({
        indexName: AFFILIATES.userIndex.name,
        partitionKey: string(AFFILIATES.userIndex.partitionKey),
        projectionType: ProjectionType.ALL,
      });
      // Issue 13: sparse, only scheduled affiliates carry its partition key; what a scheduler run decides on.
      table.addGlobalSecondaryIndex({
        indexName: AFFILIATES.scheduleIndex.name,
        partitionKey: string(AFFILIATES.scheduleIndex.partitionKey),
        sortKey: string(AFFILIATES.scheduleIndex.sortKey),
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...AFFILIATES.scheduleIndex.projectedAttributes],
      });
      this.affiliates = { table, indexNames: affiliateIndexes, adopted: false };
    }

    const payoutIndexes = [PAYOUTS.affiliateIndex.name, PAYOUTS.statusIndex.name];
    if (props.existing.payouts) {
      this.payouts = adopt(this, 'Payouts', props.existing.payouts, payoutIndexes);
    } else {
      const table = new Table(this, 'Payouts', {
        ...safe,
        partitionKey: string(PAYOUTS.partitionKey),
        // Every status change, before and after, for the payout-notifier (issue 12).
        stream: StreamViewType.NEW_AND_OLD_IMAGES,
      });
      table.addGlobalSecondaryIndex({
        indexName: PAYOUTS.affiliateIndex.name,
        partitionKey: string(PAYOUTS.affiliateIndex.partitionKey),
        sortKey: string(PAYOUTS.affiliateIndex.sortKey),
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...PAYOUTS.affiliateIndex.projectedAttributes],
      });
      table.addGlobalSecondaryIndex({
        indexName: PAYOUTS.statusIndex.name,
        partitionKey: string(PAYOUTS.statusIndex.partitionKey),
        sortKey: string(PAYOUTS.statusIndex.sortKey),
        projectionType: ProjectionType.ALL,
      });
      this.payouts = { table, indexNames: payoutIndexes, adopted: false };
    }

    const idempotency = new Table(this, 'Idempotency', {
      ...safe,
      partitionKey: string(IDEMPOTENCY.partitionKey),
      timeToLiveAttribute: IDEMPOTENCY.ttlAttribute,
    });
    this.idempotency = { table: idempotency, indexNames: [], adopted: false };

    const taxYears = new Table(this, 'TaxYears', {
      ...safe,
      partitionKey: string(TAX_YEARS.partitionKey),
      sortKey: string(TAX_YEARS.sortKey),
    });
    this.taxYears = { table: taxYears, indexNames: [], adopted: false };
  }

  /** The four tables, for alarms and outputs. */
  all(): ReadonlyArray<{ id: string; ref: TableRef }> {
    return [
      { id: 'Affiliates', ref: this.affiliates },
      { id: 'Payouts', ref: this.payouts },
      { id: 'Idempotency', ref: this.idempotency },
      { id: 'TaxYears', ref: this.taxYears },
    ];
  }
}

/** The ARN of one GSI of a table (what dynamodb:Query on that index is authorized against). */
/**
 * What every table of the stack is created with: on-demand, encrypted with the AWS-managed key, and in prod
 * point-in-time recovery, deletion protection and kept on stack deletion.
 */
export function tableDefaults(stage: 'prod' | 'dev') {
  const prod = stage === 'prod';
  return {
    billingMode: BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.AWS_MANAGED,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: prod },
    deletionProtection: prod,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  };
}

/** A string key attribute. */
export const string = (name: string) => ({ name, type: AttributeType.STRING });

export function indexArn(table: ITable, indexName: string): string {
  return `${table.tableArn}/index/${indexName}`;
}

function adopt(scope: Construct, id: string, tableName: string, indexNames: string[]): TableRef {
  // Same account and region as the stack; the GSI names let grants and alarms cover the indexes.
  const table = Table.fromTableAttributes(scope, id, { tableName, globalIndexes: indexNames });
  return { table, indexNames, adopted: true };
}
