export { startWebhookSinks } from './server';
export { renderForPerson } from './render';
export * from './types';
