/**
 * The tables of notifications (issue 12), beside the payout tables: the record of every e-mail sent (keyed by
 * event and audience, so a redelivered stream record never sends twice), the webhook endpoints, and their
 * deliveries. Shared by the code, bin/local and the stack, like provider-tables.ts.
 */
export const DEFAULT_NOTIFY_TABLE_NAMES = {
  notifications: 'commercive_notifications',
  webhookEndpoints: 'commercive_webhook_endpoints',
  webhookDeliveries: 'commercive_webhook_deliveries',
} as const;

export interface NotifyTableNames {
  notifications: string;
  webhookEndpoints: string;
  webhookDeliveries: string;
}

export const NOTIFICATIONS = {
  /** `email#<event id>#<audience>` (see emailKeyOf): the conditional put on it is what makes an e-mail happen once. */
  partitionKey: 'notification_key',
} as const;

export const WEBHOOK_ENDPOINTS = {
  /** Every endpoint shares one partition (an operator registers a handful): listed by a strongly consistent Query. */
  partitionKey: 'scope',
  sortKey: 'endpoint_id',
  scope: 'endpoints',
} as const;

export const WEBHOOK_DELIVERIES = {
  /** `dlv_…`, derived from the event id and the endpoint id (deliveryIdOf). */
  partitionKey: 'delivery_id',
  /** GSI: one endpoint's deliveries, newest first (the console's list). */
  endpointIndex: { name: 'endpoint-deliveries-index', partitionKey: 'endpoint_id', sortKey: 'created_at' },
  /**
   * Sparse GSI of deliveries still to try: `retry_due` exists (= "due") only while a delivery is pending, so the
   * retry function reads just those whose `next_attempt_at` has come, oldest first, never a scan. The read only
   * finds candidates: each try is leased by a conditional update on the base item.
   */
  dueIndex: { name: 'due-deliveries-index', partitionKey: 'retry_due', sortKey: 'next_attempt_at' },
  dueValue: 'due',
} as const;
