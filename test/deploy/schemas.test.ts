// Both deploy descriptors against schemas written from the tools' documentation (test/deploy/schemas.ts: neither the
// Serverless Devs fc component nor ROS ships one as a package), plus the facts the deploy guide promises.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './bundles';
import { ramStatementProblems, rosTemplateProblems, serverlessDevsProblems } from './schemas';

const template = parse(readFileSync(join(ROOT, 'template.yml'), 'utf8')) as Record<string, unknown>;
const serverlessDevs = parse(readFileSync(join(ROOT, 's.yaml'), 'utf8')) as Record<string, unknown>;
const deployGuide = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');

describe('template.yml (ROS, Serverless transform 2018-04-03)', () => {
  it('has only documented fields, and RAM statements without Sid', () => {
    expect(rosTemplateProblems(template)).toEqual([]);
  });

  it('creates its log project and logstore, and every service logs there', () => {
    const resources = template.Resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
    const types = Object.values(resources).map((resource) => resource.Type);
    expect(types).toContain('ALIYUN::SLS::Project');
    expect(types).toContain('ALIYUN::SLS::Logstore');
    for (const resource of Object.values(resources).filter((r) => r.Type === 'Aliyun::Serverless::Service')) {
      expect(resource.Properties.LogConfig).toEqual({ Project: { 'Fn::GetAtt': ['SlbDoctorLogProject', 'Name'] }, Logstore: { 'Fn::GetAtt': ['SlbDoctorLogStore', 'LogstoreName'] } });
    }
  });

  it('takes the runtime as a parameter whose default is nodejs20', () => {
    const parameter = (template.Parameters as Record<string, { Default?: string; AllowedPattern?: string }>).FunctionRuntime;
    expect(parameter?.Default).toBe('nodejs20');
    expect(new RegExp(parameter?.AllowedPattern ?? '$^').test('nodejs20')).toBe(true);
    expect(new RegExp(parameter?.AllowedPattern ?? '$^').test('nodejs18')).toBe(false);
  });
});

describe('s.yaml (Serverless Devs 2.x, devsapp/fc)', () => {
  it('has only documented fields, and RAM statements without Sid', () => {
    expect(serverlessDevsProblems(serverlessDevs)).toEqual([]);
  });

  it('lets the fc component create the log project and logstore (logConfig auto)', () => {
    const services = serverlessDevs.services as Record<string, { props: { service: { logConfig: unknown } } }>;
    for (const entry of Object.values(services)) expect(entry.props.service.logConfig).toBe('auto');
  });
});

describe('the schemas catch what the real tools refuse', () => {
  it('a Sid, a missing Effect, or both Action and NotAction', () => {
    expect(ramStatementProblems({ Sid: 'x', Effect: 'Allow', Action: ['a:b'], Resource: '*' }, 's')).toEqual(['s.Sid: not a field (allowed: Effect, Action, NotAction, Resource, Condition)']);
    expect(ramStatementProblems({ Action: ['a:b'], Resource: '*' }, 's')).toEqual(['s.Effect: is required', 's.Effect: must be Allow or Deny']);
    expect(ramStatementProblems({ Effect: 'Allow', Action: 'a:b', NotAction: 'c:d', Resource: '*' }, 's')).toEqual(['s: needs exactly one of Action and NotAction']);
  });

  it('an unknown function field, a bad memory size, an unknown trigger field, the 3.x edition', () => {
    const broken = structuredClone(serverlessDevs) as { edition: string; services: Record<string, { props: { function: Record<string, unknown>; triggers?: Array<{ config: Record<string, unknown> }> } }> };
    broken.edition = '3.0.0';
    const audit = broken.services.audit;
    if (!audit) throw new Error('s.yaml has no audit entry');
    audit.props.function.memory = 256;
    const timer = audit.props.triggers?.[0];
    if (timer) timer.config.cron = '@every 5m';
    expect(serverlessDevsProblems(broken)).toEqual([
      's.yaml.edition: must be 1.0.0 (Serverless Devs 2.x)',
      expect.stringMatching(/^services\.audit\.props\.function\.memory: not a field/),
      expect.stringMatching(/^services\.audit\.props\.triggers\[0\]\.config\.cron: not a field/),
    ]);
    const rosBroken = structuredClone(template) as { Resources: Record<string, Record<string, { Properties: Record<string, unknown> }>> };
    const fn = rosBroken.Resources['slb-doctor']?.audit;
    if (!fn) throw new Error('template.yml has no audit function');
    fn.Properties.MemorySize = 100;
    expect(rosTemplateProblems(rosBroken)).toEqual(['Resources.slb-doctor.audit.Properties.MemorySize: must be 128-32768 MB in steps of 64']);
  });

  it('a conditional statement on an undeclared condition, or with a Sid in a branch', () => {
    const rosBroken = structuredClone(template) as { Conditions: Record<string, unknown>; Resources: Record<string, { Properties: { Policies: Array<{ Statement: unknown[] }> } }> };
    const statements = rosBroken.Resources['slb-doctor']?.Properties.Policies[0]?.Statement ?? [];
    const conditional = statements.findIndex((s) => typeof s === 'object' && s !== null && 'Fn::If' in s);
    expect(conditional).toBeGreaterThan(-1); // the opt-in on-host statement
    const branch = (statements[conditional] as { 'Fn::If': [string, Record<string, unknown>, unknown] })['Fn::If'];
    branch[1].Sid = 'x';
    delete rosBroken.Conditions.OnHostEnabled;
    const at = `Resources.slb-doctor.Properties.Policies[0].Statement[${conditional}].Fn::If`;
    expect(rosTemplateProblems(rosBroken)).toEqual([
      `${at}[0]: OnHostEnabled is not declared under Conditions`,
      `${at}[1].Sid: not a field (allowed: Effect, Action, NotAction, Resource, Condition)`,
    ]);
  });
});

describe('docs/deploy.md', () => {
  it('pins the exact Serverless Devs version that reads edition 1.0.0 files', () => {
    expect(deployGuide).toContain('npm install -g @serverless-devs/s@2.2.2');
    expect(deployGuide).toMatch(/s --version/);
  });

  it('says how the log project and logstore come to exist for each way of deploying', () => {
    expect(deployGuide).toMatch(/logConfig: auto/);
    expect(deployGuide).toMatch(/ALIYUN::SLS::Project/);
  });
});
