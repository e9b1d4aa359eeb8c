export { notificationsService, type NotificationsServiceOptions } from './app.js';
export { notificationsConfigSchema, mailSinkDirOf, type NotificationsConfig } from './config.js';
export {
  createMailDeliverer,
  emlOf,
  DEFAULT_DELIVERY_BATCH_SIZE,
  DEFAULT_DELIVERY_POLL_INTERVAL_MS,
  DEFAULT_MAIL_FROM,
  STALE_TEMPORARY_MS,
  type DelivererStats,
  type MailDeliverer,
  type MailDelivererOptions,
  type MailRow,
} from './deliverer.js';
export {
  fallbackAddress,
  headerField,
  messageIdFor,
  renderEml,
  rfc5322Date,
  MAIL_DOMAIN,
  UNKNOWN_RECIPIENT_DOMAIN,
  type EmlMessage,
} from './eml.js';
export { uuidv7 } from './ids.js';
export {
  createMailIntake,
  MalformedEventError,
  NOTIFICATIONS_GROUP,
  type IntakeResult,
  type IntakeStats,
  type MailIntake,
  type MailIntakeOptions,
} from './intake.js';
export { mailFileName, openMailSink, type MailSink } from './mail-sink.js';
export { notificationsMigrations } from './migrations.js';
export { formatMoney, minorDigits } from './money.js';
export {
  createNotificationQueries,
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  type ListNotificationsOptions,
  type Notification,
  type NotificationPage,
  type NotificationQueries,
} from './notifications.js';
export {
  startNotificationPipeline,
  NOTIFICATION_STREAMS,
  type NotificationPipeline,
  type NotificationPipelineOptions,
} from './pipeline.js';
export {
  registerNotificationsRoutes,
  listNotificationsQuerySchema,
  DEFAULT_PAGE_SIZE,
  MAX_USER_ID_LENGTH,
  type NotificationView,
  type StatsView,
} from './routes.js';
export {
  isMailEventType,
  renderMail,
  MAIL_EVENT_TYPES,
  type MailEvent,
  type MailEventType,
  type RenderedMail,
} from './templates.js';
export type { MailTemplate, NotificationsTables } from './tables.js';
