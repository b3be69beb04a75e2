/** Queue names, without BullMQ: light enough for the CLI's option checks. */
export const QUEUE_NAMES = ['ingest', 'assemble', 'export', 'deliver'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export function isQueueName(s: string): s is QueueName {
  return (QUEUE_NAMES as readonly string[]).includes(s);
}
