// Each load balancer is diagnosed, and let go, as soon as its facts are complete and its final jobs' evidence is in.
import { PerLoadBalancer } from '../../lib/audit/per-load-balancer';
import { loadBalancerDiagnosis, type LoadBalancerDiagnosisInput } from '../../lib/diagnose';
import { noticeOf, type EcsInstanceFacts, type RegionFacts } from '../../lib/model';
import { backend, evidenceOf, httpReplay, jobOf, listener, loadBalancer, status } from '../diagnose/fixtures';

function instance(instanceId: string): EcsInstanceFacts {
  return { instanceId, status: 'Running', privateIps: [], securityGroupIds: [], vpcId: 'vpc-1' };
}

const unhealthy = backend({ serverId: 'i-1', ip: '10.0.0.1' });
const drained = backend({ serverId: 'i-2', ip: '10.0.0.2' });
const healthy = backend({ serverId: 'i-3', ip: '10.0.0.3', slbStatus: 'normal' });
const facts: RegionFacts = { regionId: 'cn-hangzhou', errors: [], instances: { 'i-1': instance('i-1'), 'i-2': instance('i-2'), 'i-3': instance('i-3') }, securityGroupRules: {} };

/** The model as SLB's verdicts tell it (every weight 100), and the complete one (i-2 drained). */
const early = listener({ backends: [unhealthy, drained, healthy] });
const complete = listener({ backends: [unhealthy, { ...drained, weight: 0 }, healthy] });
const unhealthyJob = jobOf(early, unhealthy);
const drainedJob = jobOf(early, drained);
const failing = (job: typeof unhealthyJob) => evidenceOf(job, status(httpReplay(job), 404, false));

function perLoadBalancer() {
  const submitted: string[] = [];
  const diagnosed: LoadBalancerDiagnosisInput[] = [];
  const diagnose = loadBalancerDiagnosis({});
  const per = new PerLoadBalancer({
    submit: (jobs) => submitted.push(...jobs.map((job) => job.id)),
    all: false,
    diagnose: (input) => {
      diagnosed.push(input);
      return diagnose(input);
    },
    retain: false,
    keep: noticeOf,
  });
  return { per, submitted, diagnosed };
}

describe('PerLoadBalancer', () => {
  it('diagnoses a load balancer the moment its final jobs have evidence, without the evidence of jobs the complete facts dropped', async () => {
    const { per, submitted, diagnosed } = perLoadBalancer();
    per.submit('lb-1', [unhealthyJob, drainedJob]);
    per.evidence(failing(drainedJob));
    // A listener SLB finds all healthy has nothing to say: not even its size is kept.
    const quiet = listener({ port: 8080, backends: [healthy] });
    per.settle(loadBalancer([complete, quiet]), facts);
    // Its final jobs were submitted already: nothing twice.
    expect(submitted).toEqual([unhealthyJob.id, drainedJob.id]);
    expect(diagnosed).toEqual([]);

    per.evidence(failing(unhealthyJob));
    expect(diagnosed).toHaveLength(1);
    expect([...(diagnosed[0]?.evidenceByJob.keys() ?? [])]).toEqual([unhealthyJob.id]);
    expect([...(diagnosed[0]?.jobsById.keys() ?? [])]).toEqual([unhealthyJob.id]);
    // Evidence coming late for a load balancer already diagnosed is not read.
    per.evidence(failing(drainedJob));
    per.endProbing();
    expect(diagnosed).toHaveLength(1);

    // Its findings (the 404, the drained backend), and the size of the listener they are on: nothing else of it.
    const outcome = (await per.outcomes()).get('lb-1');
    expect(outcome?.findings.map((f) => [f.code, f.subject.backend?.ip])).toEqual([
      ['PATH_NOT_FOUND', '10.0.0.1'],
      ['WEIGHT_ZERO', '10.0.0.2'],
    ]);
    expect(outcome).toMatchObject({ jobs: 1, missing: 0, probesSent: 1, listenerSizes: [['lb-1/http:80', 3]] });
    // Kept as the notification reads them: the probes and host commands are let go with the evidence.
    expect(diagnosed[0] && (await loadBalancerDiagnosis({})(diagnosed[0]))[0]?.evidence.length).toBeGreaterThan(0);
    expect(outcome?.findings[0]).not.toHaveProperty('evidence');
    expect(outcome?.findings[0]).not.toHaveProperty('hostCommands');
    expect(per.retained).toBeNull();
    expect([per.jobCount, per.probedCount]).toEqual([1, 1]);
  });

  it('diagnoses a load balancer whose jobs did not all run once probing ends, and counts them as missing', async () => {
    const { per, diagnosed } = perLoadBalancer();
    per.settle(loadBalancer([complete]), facts);
    expect(diagnosed).toEqual([]);
    per.endProbing();
    expect(diagnosed).toHaveLength(1);
    expect((await per.outcomes()).get('lb-1')).toMatchObject({ jobs: 1, missing: 1, probesSent: 0 });
  });

  it('waits for the end of the run when an instance ECS did not list could still turn out unknown', async () => {
    const { per, diagnosed } = perLoadBalancer();
    const { 'i-1': _listed, ...others } = facts.instances;
    per.settle(loadBalancer([complete]), { ...facts, instances: others });
    per.evidence(failing(unhealthyJob));
    expect(diagnosed).toEqual([]);
    per.endProbing();
    expect(diagnosed).toHaveLength(1);
    expect((await per.outcomes()).get('lb-1')).toMatchObject({ jobs: 1, missing: 0 });
  });

  it('needs no ECS facts for a load balancer whose backends SLB all reports normal, unless healthy backends are swept', async () => {
    const allNormal = loadBalancer([listener({ backends: [healthy, { ...healthy, serverId: 'i-4', ip: '10.0.0.4' }] })]);
    expect(perLoadBalancer().per.needsEcsFacts(allNormal)).toBe(false);
    expect(perLoadBalancer().per.needsEcsFacts(loadBalancer([complete]))).toBe(true);
    const sweeping = new PerLoadBalancer({ submit: null, all: true, diagnose: () => Promise.resolve([]), retain: false, keep: noticeOf });
    expect(sweeping.needsEcsFacts(allNormal)).toBe(true);
    // Settled without them: nothing waits, not even for the end of the run.
    const { per, diagnosed } = perLoadBalancer();
    per.settle(allNormal, { ...facts, instances: {} });
    expect(diagnosed).toHaveLength(1);
  });

  it('keeps every model and evidence when asked to', async () => {
    const per = new PerLoadBalancer({ submit: null, all: false, diagnose: () => Promise.resolve([]), retain: true, keep: (finding) => finding });
    const model = loadBalancer([complete]);
    per.settle(model, facts);
    expect(per.pendingJobs.map((job) => job.id)).toEqual([unhealthyJob.id]);
    const evidence = failing(unhealthyJob);
    per.evidence(evidence);
    per.endProbing();
    await per.outcomes();
    expect(per.retained?.loadBalancers.get('lb-1')).toBe(model);
    expect(per.retained?.evidence).toEqual([evidence]);
  });
});
