// Audits with ECS facts missing, over real sockets: the ECS endpoint is a closed port (nothing listens), or ECS
// answers DescribeInstances but every DescribeSecurityGroupAttribute fails. The backends are still probed; findings
// that need ECS facts say "ECS facts unavailable" and never claim what could not be checked: no SLB_SOURCE_BLOCKED
// while a security group is unread, no silent PORT_CLOSED for what may be a stopped instance.
import * as net from 'node:net';
import { runAudit, type AuditRun } from '../../lib/audit/run';
import type { Finding } from '../../lib/model';
import { codesByKey, keysOf } from '../support/findings';
import { randomTestNet } from '../support/nets';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';

const SETTLE_MS = 30_000;

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function findingAt(run: AuditRun, cloud: TestCloud, key: string): Finding {
  const served = cloud.sandbox.actual(key);
  const found = run.summary.findings.filter((finding) => keysOf(finding, run.inventory).includes(served));
  expect(found).toHaveLength(1);
  return found[0] as Finding;
}

describe('the ECS endpoint is unreachable', () => {
  const NET = randomTestNet();
  const scenario = relocatedDefaultScenario(NET);
  let cloud: TestCloud;
  let run: AuditRun;
  const at = (ip: string, rest: string): string => `${rest.split('|')[0]}/${rest.split('|')[1]}/${NET}.${ip}`;

  beforeAll(async () => {
    cloud = await startTestCloud(scenario);
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's checker did not settle within ${SETTLE_MS} ms`);
    const port = await closedPort();
    run = await runAudit(cloud.auditOptions({}, { endpoints: { slb: cloud.endpoints.slb, ecs: `http://127.0.0.1:${port}` } }));
  }, 90_000);
  afterAll(() => cloud?.stop());

  it('reports the ECS failure once, saying that the backends were still probed', () => {
    const errors = run.summary.findings.filter((finding) => finding.code === 'INVENTORY_ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.cause).toMatch(/^DescribeInstances failed: ECONNREFUSED .*; the backends were still probed, but findings that need ECS facts \(instance status, security-group rules\) say "ECS facts unavailable"\.$/);
    expect(errors[0]?.cause).not.toContain('not examined');
  });

  it('claims no SLB_SOURCE_BLOCKED and no SECURITY_GROUP_BLOCKS: both become UNDETERMINED naming the unchecked security group', () => {
    for (const key of [at('142:8080', 'lb-sandbox-db|tcp:8080'), at('153:9000', 'lb-sandbox-ops|tcp:9000')]) {
      const finding = findingAt(run, cloud, key);
      expect(finding.code).toBe('UNDETERMINED');
      expect(finding.cause).toMatch(/^ECS facts unavailable \(DescribeInstances failed \(ECONNREFUSED\)\): every check from inside the VPC passes while SLB reports abnormal, so SLB's source 100\.64\.0\.0\/10 is dropped, either by a security-group rule that could not be checked or on the host/);
      expect(finding.facts).toContain('ECS facts unavailable: DescribeInstances failed (ECONNREFUSED)');
      expect(finding.withoutFacts).toBe('ECS facts unavailable: DescribeInstances failed (ECONNREFUSED)');
    }
    expect(run.summary.findings.map((finding) => finding.code)).not.toContain('SLB_SOURCE_BLOCKED');
  });

  it('keeps what the probes saw for the stopped instance (PORT_CLOSED), saying the instance may be stopped', () => {
    const stopped = findingAt(run, cloud, at('152:9000', 'lb-sandbox-ops|tcp:9000'));
    expect(stopped.code).toBe('PORT_CLOSED');
    expect(stopped.cause).toMatch(/^ECS facts unavailable \(DescribeInstances failed \(ECONNREFUSED\)\): the instance may be stopped\. /);
    expect(stopped.remedy).toMatch(/^Check that the instance is running \(ECS console\); if it is: /);
    expect(stopped.withoutFacts).toBe('ECS facts unavailable: DescribeInstances failed (ECONNREFUSED)');
    const timeout = findingAt(run, cloud, at('141:3306', 'lb-sandbox-db|tcp:3306'));
    expect(timeout.code).toBe('CONNECT_TIMEOUT');
    expect(timeout.cause).toMatch(/^ECS facts unavailable \(.*\): the instance may be stopped, or a security-group rule may drop the check\. /);
  });

  it('leaves every verdict that needs no ECS fact as it is', () => {
    const expected = cloud.sandbox.scenario.expectedFindings ?? {};
    const honest: Record<string, string> = { INSTANCE_NOT_RUNNING: 'PORT_CLOSED', SECURITY_GROUP_BLOCKS: 'UNDETERMINED', SLB_SOURCE_BLOCKED: 'UNDETERMINED' };
    const want = Object.fromEntries(Object.entries(expected).map(([key, code]) => [key, honest[code] ?? code]));
    expect(codesByKey(run.summary.findings, run.inventory)).toEqual({ '': 'INVENTORY_ERROR', ...want });
    for (const code of ['PATH_NOT_FOUND', 'WEIGHT_ZERO', 'TLS_ON_PLAIN_PORT']) {
      const finding = run.summary.findings.find((f) => f.code === code);
      expect(finding?.cause).not.toContain('ECS facts unavailable');
      // No ECS fact could give it another code, so a notice may report it as a change.
      expect(finding?.withoutFacts).toBeUndefined();
    }
  });
});

describe('ECS lists the instances, but no security group can be read', () => {
  const NET = randomTestNet();
  let cloud: TestCloud;
  let run: AuditRun;

  beforeAll(async () => {
    const scenario = relocatedDefaultScenario(NET);
    scenario.api = { ...scenario.api, faults: [{ action: 'ecs:DescribeSecurityGroupAttribute', kind: 'http5xx' }] };
    cloud = await startTestCloud(scenario);
    if (!(await cloud.sandbox.checker.settled(SETTLE_MS))) throw new Error(`the sandbox's checker did not settle within ${SETTLE_MS} ms`);
    run = await runAudit(cloud.auditOptions());
  }, 90_000);
  afterAll(() => cloud?.stop());

  it('still reports the stopped instance from the ECS facts it has, and no security-group verdict it could not check', () => {
    const stopped = findingAt(run, cloud, `lb-sandbox-ops/tcp:9000/${NET}.152:9000`);
    expect(stopped.code).toBe('INSTANCE_NOT_RUNNING');
    const locked = findingAt(run, cloud, `lb-sandbox-ops/tcp:9000/${NET}.153:9000`);
    expect(locked.code).toBe('UNDETERMINED');
    expect(locked.cause).toMatch(/^ECS facts unavailable \(DescribeSecurityGroupAttribute failed \(ServiceUnavailable\) for sg-sandbox-locked\): /);
    // A refused port on a running instance needs no security-group fact.
    const closed = findingAt(run, cloud, `lb-sandbox-web/http:80/${NET}.13:8080`);
    expect(closed.code).toBe('PORT_CLOSED');
    expect(closed.cause).not.toContain('ECS facts unavailable');
    const timeout = findingAt(run, cloud, `lb-sandbox-db/tcp:3306/${NET}.141:3306`);
    expect(timeout.cause).toMatch(/^ECS facts unavailable \(DescribeSecurityGroupAttribute failed \(ServiceUnavailable\) for sg-sandbox-db\): a security-group rule may drop the check\. /);
  });
});
