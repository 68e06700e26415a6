/**
 * The names of the events and delivery states (issue 12), with no Node import, so the pages can use the types and
 * the schemas the lists.
 */
export const PAYOUT_EVENT_TYPES = [
  'payout.requested',
  'payout.processing',
  'payout.completed',
  'payout.failed',
  'payout.returned',
  'payout.cancelled',
] as const;
export type PayoutEventType = (typeof PAYOUT_EVENT_TYPES)[number];

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
