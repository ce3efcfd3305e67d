// The one path every OpenAPI call takes: the action's rate budget, then retry with full jitter, counted per action.
import { systemClock, type Clock } from '../util/clock';
import type { RateLimit } from '../util/rate';
import { withRetry, type RetryPolicy } from '../util/retry';
import OpenApiUtil from '@alicloud/openapi-util';
import { ActionBudget } from './budget';
import type { ApiCounters } from './counters';
import type { ApiEndpoint } from './endpoints';
import { failureFacts, finalError, isThrottling, retryDecision, type CloudProduct } from './errors';
import { ReplyObject } from './reply';
import { EndpointTimeoutError, explainTimeout, type SdkTimeouts } from './timeouts';
import type { CallApi } from './transport';

/**
 * The service's own default quota for most SLB/ECS read actions. Budgets are sliding windows (lib/cloud/budget.ts): a
 * fleet may spend a whole quota at once, and no window, rolling or fixed, ever sees more than the quota (a continuously
 * refilled token bucket would send more right after its burst and be throttled).
 */
export const DEFAULT_ACTION_RATE_LIMIT: RateLimit = { count: 3000, perMs: 60_000 };

/**
 * Attempts that may end in a timeout: a second one rides out a lost packet, more would only make the person wait
 * (6 attempts of a 5 s timeout took 35 s before saying anything).
 */
export const MAX_TIMED_OUT_ATTEMPTS = 2;

export interface InvokerOptions {
  counters: ApiCounters;
  /** Per-action budgets, keyed by action name (e.g. `DescribeHealthStatus`); others get `defaultRateLimit`. */
  rateLimits?: Record<string, RateLimit>;
  defaultRateLimit?: RateLimit;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  /** Where each product's calls go and the SDK's timeouts, to tell "no answer" from "no connection" after a timeout. */
  endpoints?: Partial<Record<CloudProduct, ApiEndpoint>>;
  timeouts?: SdkTimeouts;
}

/**
 * Lets a call's request go out once the caller has room for it (e.g. a bounded number of calls in flight). It is asked
 * only after the action's budget has granted the call, so a call waiting for its quota holds none of the caller's room:
 * a region's 10,000 DescribeHealthStatus calls waiting for the next window must not stall every other action.
 */
export type Admission = <R>(send: () => Promise<R>) => Promise<R>;

const admitAtOnce: Admission = (send) => send();

export class ApiInvoker {
  private readonly clock: Clock;

  constructor(
    private readonly options: InvokerOptions,
    private readonly admit: Admission = admitAtOnce,
    private readonly budgets = new Map<string, ActionBudget>(),
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /** The same invoker (budgets, counters, retries), whose requests go out through `admission`. */
  admittedBy(admission: Admission): ApiInvoker {
    return new ApiInvoker(this.options, admission, this.budgets);
  }

  private budgetFor(action: string): ActionBudget {
    let budget = this.budgets.get(action);
    if (!budget) {
      const limit = this.options.rateLimits?.[action] ?? this.options.defaultRateLimit ?? DEFAULT_ACTION_RATE_LIMIT;
      budget = new ActionBudget(limit, this.clock);
      this.budgets.set(action, budget);
    }
    return budget;
  }

  /**
   * One RPC action through `callApi`: `request` flattened to RPC names as the SDKs flatten it (`InstanceId.1`,
   * `Tag.1.Key`, booleans as "true", by the same OpenApiUtil.query), the reply read at the boundary by `read`.
   */
  invokeRpc<T>(callApi: CallApi, product: CloudProduct, version: string, action: string, request: object, read: (reply: ReplyObject) => T): Promise<T> {
    const query = OpenApiUtil.query(request);
    return this.invoke(product, action, () => callApi({ product, action, version, query }), (body) => read(ReplyObject.root(product, action, body)));
  }

  /**
   * Sends `send` (one attempt each time) within the action's budget, retrying what is worth retrying, then turns the
   * raw reply into `T` with `parse` (a malformed reply is not retried: the service would answer the same).
   */
  async invoke<R, T>(product: CloudProduct, action: string, send: () => Promise<R>, parse: (reply: R) => T): Promise<T> {
    const { counters } = this.options;
    const budget = this.budgetFor(action);
    let attempts = 0;
    let timedOut = 0;
    const { endpoints, timeouts } = this.options;
    const endpoint = endpoints?.[product];
    try {
      const reply = await withRetry(
        async () => {
          const slot = await budget.acquire();
          attempts++;
          counters.add(action, 'calls');
          try {
            return await this.admit(send);
          } catch (err) {
            const facts = failureFacts(err);
            if (isThrottling(facts)) {
              counters.add(action, 'throttled');
              // Everyone calling this action waits, not only the caller that was told, and the window shrinks.
              slot.throttled();
            }
            const explained = endpoint && timeouts ? await explainTimeout(err, endpoint, timeouts) : err;
            if (explained instanceof EndpointTimeoutError) timedOut += 1;
            throw explained;
          } finally {
            // The service counted this call at or before its reply: the slot's window starts now.
            slot.release();
          }
        },
        {
          classify: (err) => (err instanceof EndpointTimeoutError && timedOut >= MAX_TIMED_OUT_ATTEMPTS ? { retry: false } : retryDecision(err)),
          policy: this.options.retry,
          clock: this.clock,
          random: this.options.random,
          onRetry: () => counters.add(action, 'retries'),
        },
      );
      return parse(reply);
    } catch (err) {
      counters.add(action, 'failures');
      throw finalError(product, action, err, attempts);
    }
  }
}
