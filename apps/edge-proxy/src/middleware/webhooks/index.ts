/**
 * `POST /webhooks/logto`: Logto's webhook deliveries, verified and turned into cache invalidations.
 */
export {
  logtoWebhook,
  type LogtoWebhookOptions,
  makeWebhookCounters,
  signatureHeader,
  type WebhookCounters
} from "./webhooks.ts"
