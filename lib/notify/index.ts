// Notifications: one digest per target per run, with noise control and durable delivery (docs/notifications.md).
export * from './types';
export { notifyRun } from './run';
export { parseTargets, readTargetsDocument, DEFAULT_MIN_SEVERITY, type ParsedTargets } from './targets';
export { parseSilences, parseDuration, notifyOptionsFromEnv } from './options';
export { fingerprintOf, subjectKeyOf, summarize } from './fingerprint';
export { createNotifier, RATE_LIMITS } from './channels';
export { buildDigest, type Digest, type DigestEntry } from './digest/model';
export { fitDigest, utf8Bytes, type DigestView, type ChannelRenderer } from './digest/fit';
export { dingtalkRenderer, DINGTALK_MAX_BYTES } from './digest/dingtalk';
export { slackRenderer, SLACK_MAX_BLOCKS, SLACK_MAX_SECTION_CHARS } from './digest/slack';
export { feishuRenderer, FEISHU_MAX_BYTES } from './digest/feishu';
export { wecomRenderer, WECOM_MAX_CONTENT_BYTES } from './digest/wecom';
export { webhookPayload, WEBHOOK_MAX_BYTES, WEBHOOK_SCHEMA_ID, type WebhookPayload } from './digest/webhook';
export { dingtalkSign, dingtalkSignedUrl } from './channels/dingtalk';
export { feishuSign } from './channels/feishu';
export { webhookSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './channels/webhook';
