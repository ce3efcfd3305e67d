// Stages 3 and 4, render and send: the claimed digest is rendered within the channel's limits and posted with
// retries (honouring the service's own wait), inside the target's rate budget and the run's time budget. An
// interruption stops the waits and cuts the request off; the outcome says whether it may have arrived.
import type { Clock } from '../../util/clock';
import { errorMessage } from '../../util/errors';
import { MultiBucket } from '../../util/rate';
import { withRetry, type RetryPolicy } from '../../util/retry';
import { buildDigest, type Digest } from '../digest/model';
import type { SendOutcome } from '../pending';
import { RATE_LIMITS } from '../channels';
import type { Notifier, NotifyLogger, NotifyTarget, SendResult, TargetReport } from '../types';
import type { PendingDigest } from '../vocabulary';

type SendFailure = Extract<SendResult, { ok: false }>;

class SendFailedError extends Error {
  constructor(readonly result: SendFailure) {
    super(result.reason);
  }
}

export interface Delivery {
  status: TargetReport['status'];
  attempts: number;
  bytes: number | null;
  reason: string | null;
  /** What the state must record for the notices not yet accepted; null when they go back untried (claim released, nothing may repeat). */
  outcome: SendOutcome | null;
  /** Ids of the items in the messages the target accepted (all of them when the digest was sent). */
  delivered: ReadonlySet<string>;
  /** Messages the digest took, and how many of them the target accepted. */
  parts: number;
  partsSent: number;
}

/** Each webhook's rate budget for this run; two targets naming the same robot share one. */
export class RateBudgets {
  private readonly buckets = new Map<string, MultiBucket>();
  constructor(private readonly clock: Clock) {}

  of(target: NotifyTarget): MultiBucket {
    const key = `${target.kind}|${target.url}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new MultiBucket(RATE_LIMITS[target.kind], this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}

export interface SendContext {
  now: number;
  clock: Clock;
  bucket: MultiBucket;
  retry: RetryPolicy;
  deadlineAt: number | null;
  signal?: AbortSignal;
  logger?: NotifyLogger;
}

/** One message of the digest, with retries; throws the last failure. */
async function sendMessage(notifier: Notifier, message: Digest, delivery: Delivery, context: SendContext): Promise<void> {
  const { target } = notifier;
  const { clock, bucket, deadlineAt, signal } = context;
  await withRetry(
    async () => {
      // A budget drained by a "too fast" reply (possibly for another target on the same robot) can mean a long wait.
      const budgetWaitMs = Math.max(0, ...bucket.buckets.map((b) => b.waitTimeMs()));
      if (deadlineAt !== null && clock.now() + budgetWaitMs > deadlineAt) {
        throw new SendFailedError({ ok: false, retryable: false, reason: `the rate budget frees up only in ${Math.ceil(budgetWaitMs / 1000)} s, after the deadline` });
      }
      await bucket.take(signal);
      if (signal?.aborted) throw new SendFailedError({ ok: false, retryable: false, interrupted: 'before', reason: 'the run was interrupted' });
      delivery.attempts += 1;
      const result = await notifier.send(notifier.render(message), signal);
      delivery.bytes = result.bytes ?? delivery.bytes;
      if (result.ok) return;
      if (result.retryable && result.retryAfterMs) bucket.drain(result.retryAfterMs);
      throw new SendFailedError(result);
    },
    {
      clock,
      signal,
      policy: context.retry,
      classify: (err) => (err instanceof SendFailedError && err.result.retryable ? { retry: true, retryAfterMs: err.result.retryAfterMs } : { retry: false }),
      onRetry: (err, attempt, delayMs) => context.logger?.info?.(`notify ${target.label}: attempt ${attempt} failed (${errorMessage(err)}); retrying in ${Math.round(delayMs)} ms`),
    },
  );
}

/**
 * Sends the claimed digest as the channel splits it, one message after the other, each with retries inside the
 * run's one retry budget. A message that fails stops the rest: the accepted ones count as delivered, the others
 * stay pending (failed, interrupted or unknown as for a digest of one message).
 */
export async function sendDigest(notifier: Notifier, claimed: PendingDigest, context: SendContext): Promise<Delivery> {
  const { target } = notifier;
  const { clock, signal } = context;
  const messages = notifier.split(buildDigest(claimed, { now: context.now, mentions: target.mentions }));
  const delivered = new Set<string>();
  const delivery: Delivery = { status: 'failed', attempts: 0, bytes: null, reason: null, outcome: null, delivered, parts: messages.length, partsSent: 0 };
  if (context.retry.maxTotalMs <= 0) return { ...delivery, status: 'pending', reason: 'no time left before the deadline; kept for the next run' };
  const budgetEndsAt = clock.now() + context.retry.maxTotalMs;
  try {
    for (const message of messages) {
      await sendMessage(notifier, message, delivery, { ...context, retry: { ...context.retry, maxTotalMs: Math.max(0, budgetEndsAt - clock.now()) } });
      for (const item of message.items) delivered.add(item.id);
      delivery.partsSent += 1;
    }
    for (const item of claimed.items) delivered.add(item.id);
    return { ...delivery, status: 'sent', outcome: { kind: 'delivered' } };
  } catch (err) {
    let interrupted = err instanceof SendFailedError ? err.result.interrupted : undefined;
    if (signal?.aborted && interrupted === undefined) interrupted = 'before'; // stopped in a wait between attempts
    const failure = err instanceof SendFailedError ? err.result.reason : errorMessage(err);
    // Which message failed, and what the target already has, when the digest took more than one.
    const reason = messages.length > 1 ? `part ${delivery.partsSent + 1} of ${messages.length}: ${failure} (${partsDelivered(delivery, delivered.size)})` : failure;
    if (interrupted === 'mid-request') {
      return { ...delivery, status: 'interrupted', reason: `${reason}: it may have arrived; the next run sends it again, marked as a possible repeat`, outcome: { kind: 'unknown', error: failure } };
    }
    if (interrupted === 'before') {
      const sent = delivery.partsSent > 0 ? `${partsDelivered(delivery, delivered.size)}; the run was interrupted before the rest was sent` : 'the run was interrupted before this digest was sent';
      return { ...delivery, status: 'interrupted', reason: `${sent}; kept for the next run`, outcome: null };
    }
    context.logger?.warn(`notify ${target.label} (${target.kind}) failed after ${delivery.attempts} attempt(s): ${reason}; ${delivery.partsSent > 0 ? 'the rest' : 'the digest'} stays pending for the next run`);
    return { ...delivery, reason, outcome: { kind: 'failed', error: failure } };
  }
}

function partsDelivered(delivery: Delivery, notices: number): string {
  return delivery.partsSent === 0 ? 'no part delivered' : `parts 1-${delivery.partsSent} delivered, ${notices} notice(s)`;
}
