// What every sandbox service (SLB and ECS API servers today; FC, OSS, webhook sinks later) offers the composition in
// cloud.ts: a name, a JSON description for the one-line banner of `slb-doctor sandbox`, and a clean stop.

export interface SandboxService {
  /** Short stable name, the key in the banner's `services` object: "slb", "ecs", "fc", "oss", "webhooks" … */
  readonly name: string;
  /** JSON-safe facts a client needs (endpoint, protocol, version …). */
  describe(): Record<string, unknown>;
  stop(): Promise<void>;
}
