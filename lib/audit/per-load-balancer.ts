// Each load balancer's probes and diagnosis, on its own: once its model is complete and the ECS facts its backends
// run on are in, its final jobs are known; once their evidence is in (or probing has ended: the deadline), it is
// diagnosed, and only its findings, its coverage and its listeners' sizes are kept. The model, its jobs and their
// evidence are let go then, unless the caller asked to keep them (the CLI prints the inventory). So the auditor's
// memory holds the load balancers still being read or probed, not the region.
import { jobsFromInventory, type LoadBalancerDiagnosis } from '../diagnose';
import type { Backend, DataPlaneEvidence, Finding, LoadBalancer, NoticeFinding, ProbeJob, RegionFacts } from '../model';

/** What is kept of one load balancer once it is diagnosed: its findings in the form `F` the caller keeps. */
export interface LoadBalancerOutcome<F extends NoticeFinding = Finding> {
  findings: F[];
  /** Its final jobs, and how many of them have no evidence (the deadline came first). */
  jobs: number;
  missing: number;
  /** The probes its evidence records (each replay and variant). */
  probesSent: number;
  /**
   * Backends per listener that has a finding, keyed `lb/protocol:port`: the delivery reads a finding's listener size
   * (lib/notify/fingerprint.ts summarize), and no other.
   */
  listenerSizes: Array<[string, number]>;
}

/** A load balancer with jobs out or awaiting its facts: what it has submitted, and the evidence come back so far. */
interface OpenLoadBalancer {
  submitted: Set<string>;
  evidence: Map<string, DataPlaneEvidence>;
  /** Once its model and ECS facts are complete: the model, and the jobs whose evidence it waits for. */
  settled: { loadBalancer: LoadBalancer; facts: RegionFacts; jobs: Map<string, ProbeJob>; untilEnd: boolean } | null;
}

/** What a run keeps besides the outcomes when its caller wants the whole inventory back. */
export interface Retained {
  loadBalancers: Map<string, LoadBalancer>;
  evidence: DataPlaneEvidence[];
}

export interface PerLoadBalancerOptions<F extends NoticeFinding> {
  /** Starts jobs (the executor's session); null: nothing streams, and `pendingJobs` are run by the caller. */
  submit: ((jobs: readonly ProbeJob[]) => void) | null;
  all: boolean;
  diagnose: LoadBalancerDiagnosis;
  /** Keep every model and evidence for the caller (runAudit); otherwise each load balancer is let go once diagnosed. */
  retain: boolean;
  /** The form its findings are kept in: whole, or as the notification reads them (their probes let go). */
  keep: (finding: Finding) => F;
}

/**
 * The backends whose diagnosis reads ECS facts (instance status, security groups): those SLB does not report normal,
 * and with --all every one (a sweep finding names its instance). A backend SLB reports normal that nobody probes has
 * nothing to say (lib/diagnose/diagnose.ts), so a load balancer whose backends SLB all reports normal needs none.
 */
function* backendsReadingEcsFacts(loadBalancer: LoadBalancer, all: boolean): Generator<Backend> {
  for (const listener of loadBalancer.listeners) {
    for (const backend of listener.backends) if (all || backend.slbStatus !== 'normal') yield backend;
  }
}

/**
 * An ECS-type backend whose instance ECS did not list: whether that is "unknown" (a DescribeInstances call failed
 * anywhere in the region, lib/diagnose/control-plane.ts ecsFactsGap) is only known once every ECS call is done.
 */
function waitsForRegionErrors(loadBalancer: LoadBalancer, facts: RegionFacts, all: boolean): boolean {
  for (const backend of backendsReadingEcsFacts(loadBalancer, all)) if (backend.type === 'ecs' && facts.instances[backend.serverId] === undefined) return true;
  return false;
}

function sizesOfListenersIn(loadBalancer: LoadBalancer, findings: readonly NoticeFinding[]): Array<[string, number]> {
  const named = new Set(findings.flatMap((finding) => (finding.subject.listener ? [`${finding.subject.listener.protocol}:${finding.subject.listener.port}`] : [])));
  return loadBalancer.listeners.flatMap((listener): Array<[string, number]> => {
    const key = `${listener.protocol}:${listener.port}`;
    return named.has(key) ? [[`${loadBalancer.id}/${key}`, listener.backends.length]] : [];
  });
}

export class PerLoadBalancer<F extends NoticeFinding = Finding> {
  private readonly open = new Map<string, OpenLoadBalancer>();
  private readonly diagnosed = new Map<string, LoadBalancerOutcome<F>>();
  private readonly diagnoses = new Set<Promise<void>>();
  private failure: unknown = null;
  /** Jobs nobody could start while the run streamed (no session): the caller runs them at the end. */
  readonly pendingJobs: ProbeJob[] = [];
  readonly retained: Retained | null;
  jobCount = 0;
  probedCount = 0;

  constructor(private readonly options: PerLoadBalancerOptions<F>) {
    this.retained = options.retain ? { loadBalancers: new Map(), evidence: [] } : null;
  }

  /** Jobs of a load balancer not complete yet (its verdicts, or its SLB facts): started now, kept if they stay final. */
  submit(loadBalancerId: string, jobs: readonly ProbeJob[]): void {
    if (jobs.length === 0) return;
    const state = this.stateOf(loadBalancerId);
    const fresh = jobs.filter((job) => !state.submitted.has(job.id));
    for (const job of fresh) state.submitted.add(job.id);
    if (fresh.length > 0) this.options.submit?.(fresh);
  }

  /** Whether its diagnosis waits for ECS facts; without them it may be settled as soon as its model is complete. */
  needsEcsFacts(loadBalancer: LoadBalancer): boolean {
    return !backendsReadingEcsFacts(loadBalancer, this.options.all).next().done;
  }

  /** Its model is complete and the ECS facts its backends need are in: its final jobs are those of this model. */
  settle(loadBalancer: LoadBalancer, facts: RegionFacts): void {
    const jobs = jobsFromInventory({ ...facts, loadBalancers: [loadBalancer] }, { all: this.options.all });
    this.jobCount += jobs.length;
    const state = this.stateOf(loadBalancer.id);
    state.settled = { loadBalancer, facts, jobs: new Map(jobs.map((job) => [job.id, job])), untilEnd: waitsForRegionErrors(loadBalancer, facts, this.options.all) };
    // A backend the complete facts explain (weight 0, a stopped instance) may have been probed meanwhile: not reported.
    for (const jobId of state.evidence.keys()) if (!state.settled.jobs.has(jobId)) state.evidence.delete(jobId);
    if (this.options.submit) this.submit(loadBalancer.id, jobs);
    else this.pendingJobs.push(...jobs);
    this.completeIfDone(loadBalancer.id, state);
  }

  /** One job's evidence, as the executor hands it over. */
  evidence(evidence: DataPlaneEvidence): void {
    const loadBalancerId = evidence.target.loadBalancerId;
    const state = this.open.get(loadBalancerId);
    // Its load balancer is done, out of the run, or will never be: nothing reads it.
    if (!state) return;
    if (state.settled && !state.settled.jobs.has(evidence.jobId)) return;
    state.evidence.set(evidence.jobId, evidence);
    this.completeIfDone(loadBalancerId, state);
  }

  /**
   * Probing has ended: every load balancer still waiting is diagnosed with the evidence it has (the rest is reported
   * as not covered). Load balancers whose inventory failed, or never became complete, had jobs out: nothing of them
   * is reported.
   */
  endProbing(): void {
    for (const [loadBalancerId, state] of [...this.open]) this.complete(loadBalancerId, state);
    this.open.clear();
  }

  /** Every load balancer's outcome, once every diagnosis is done (after endProbing). */
  async outcomes(): Promise<ReadonlyMap<string, LoadBalancerOutcome<F>>> {
    while (this.diagnoses.size > 0) await Promise.all(this.diagnoses);
    if (this.failure !== null) throw this.failure;
    return this.diagnosed;
  }

  private stateOf(loadBalancerId: string): OpenLoadBalancer {
    let state = this.open.get(loadBalancerId);
    if (!state) {
      state = { submitted: new Set(), evidence: new Map(), settled: null };
      this.open.set(loadBalancerId, state);
    }
    return state;
  }

  private completeIfDone(loadBalancerId: string, state: OpenLoadBalancer): void {
    const settled = state.settled;
    if (settled && !settled.untilEnd && state.evidence.size === settled.jobs.size) this.complete(loadBalancerId, state);
  }

  private complete(loadBalancerId: string, state: OpenLoadBalancer): void {
    const settled = state.settled;
    // Evidence handed over within a submit may have completed it already.
    if (!settled || this.open.get(loadBalancerId) !== state) return;
    this.open.delete(loadBalancerId);
    const { loadBalancer, facts, jobs } = settled;
    const { evidence } = state;
    this.probedCount += evidence.size;
    if (this.retained) {
      this.retained.loadBalancers.set(loadBalancerId, loadBalancer);
      this.retained.evidence.push(...evidence.values());
    }
    let probesSent = 0;
    for (const e of evidence.values()) probesSent += e.error ? 0 : 1 + e.variants.length;
    const diagnosis = this.options
      .diagnose({ facts, loadBalancer, jobsById: jobs, evidenceByJob: evidence })
      .then(
        (diagnosed) => {
          const findings = diagnosed.map(this.options.keep);
          const listenerSizes = sizesOfListenersIn(loadBalancer, findings);
          this.diagnosed.set(loadBalancerId, { findings, jobs: jobs.size, missing: jobs.size - evidence.size, probesSent, listenerSizes });
        },
        (err: unknown) => {
          this.failure ??= err;
        },
      )
      .finally(() => this.diagnoses.delete(diagnosis));
    this.diagnoses.add(diagnosis);
  }
}
