// The deploy descriptors against the code: both template.yml and s.yaml deploy the three bundles the build makes,
// give each function exactly the environment variables its code reads (as the catalogue and docs/configuration.md
// say), and a least-privilege role whose OpenAPI actions are exactly the ones the code calls.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ENV, type EnvVariable } from '../../lib/config/env';
import { parseVpcProbeMap } from '../../lib/fanout/vpc-map';
import { buildBundles, FUNCTIONS, ROOT, variablesRead, type Bundles, type FunctionName } from './bundles';
import { calledActions } from './called-actions';
import { ON_HOST_RAM_ACTIONS } from '../../lib/onhost';

/** The opt-in on-host run (audit --on-host): its Cloud Assistant calls need their own, separate RAM statement. */
const ON_HOST_SOURCES = 'lib/onhost/';
import { loadServerlessDevs, loadTemplate, type DeployedFunction, type DeployedService } from './descriptors';
import { MAX_CONNECTIONS_PER_BACKEND } from '../../lib/probe/scheduler';
import { PROBE_INSTANCE_CONCURRENCY } from '../../lib/sandbox/stack';
import { PROBE_INSTANCE_CONCURRENCY as FANOUT_PROBE_INSTANCE_CONCURRENCY } from '../../lib/fanout/fc-executor';

const CATALOGUE: Record<string, EnvVariable> = ENV;
const ZIP_TARGET_BYTES = 2 * 1024 * 1024;
const TIMER_INTERVAL_SECONDS = 300;

let bundles: Bundles;
beforeAll(() => {
  bundles = buildBundles();
});
afterAll(() => bundles?.remove());

const DESCRIPTORS: Array<[string, DeployedService[]]> = [
  ['template.yml', loadTemplate()],
  ['s.yaml', loadServerlessDevs()],
];

function locate(services: DeployedService[], name: FunctionName): { service: DeployedService; fn: DeployedFunction } {
  for (const service of services) {
    const fn = service.functions.find((f) => f.name === name);
    if (fn) return { service, fn };
  }
  throw new Error(`no function ${name}`);
}

/** The name of the first entry of a zip (local file header: signature, …, name length at 26, name at 30). */
function firstZipEntry(file: string): string {
  const head = readFileSync(file).subarray(0, 256);
  if (head.readUInt32LE(0) !== 0x04034b50) throw new Error(`${file} is not a zip`);
  return head.subarray(30, 30 + head.readUInt16LE(26)).toString('utf8');
}

describe.each(DESCRIPTORS)('%s', (_file, services) => {
  test('deploys audit, alarm and probe on nodejs20, handler index.handler, from the zips the build makes', () => {
    expect(services.flatMap((s) => s.functions.map((f) => f.name)).sort()).toEqual([...FUNCTIONS].sort());
    for (const name of FUNCTIONS) {
      const { fn } = locate(services, name);
      expect(fn.runtime).toBe('nodejs20');
      expect(fn.handler).toBe('index.handler');
      expect(fn.codeUri.endsWith(`${name}.zip`)).toBe(true);
      const [file, exportName] = fn.handler.split('.') as [string, string];
      const bundle = require(join(bundles.dir, name, `${file}.js`)) as Record<string, unknown>;
      expect(typeof bundle[exportName]).toBe('function');
      const zip = join(bundles.dir, `${name}.zip`);
      expect(firstZipEntry(zip)).toBe(`${file}.js`);
      expect(statSync(zip).size).toBeLessThanOrEqual(ZIP_TARGET_BYTES);
    }
  });

  test('memory, timeouts and triggers: a 5-minute UTC timer on audit, an anonymous POST trigger on alarm', () => {
    const audit = locate(services, 'audit').fn;
    const alarm = locate(services, 'alarm').fn;
    const probe = locate(services, 'probe').fn;
    expect(audit.memoryMB).toBe(256);
    // A run must end before the next timer run starts.
    expect(audit.timeoutSeconds).toBeLessThan(TIMER_INTERVAL_SECONDS);
    expect(audit.triggers).toHaveLength(1);
    expect(audit.triggers[0]?.type).toBe('timer');
    const timer = Object.fromEntries(Object.entries(audit.triggers[0]?.config ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    expect(timer).toMatchObject({ cronexpression: '@every 5m', enable: true });
    expect(alarm.triggers).toHaveLength(1);
    const http = Object.fromEntries(Object.entries(alarm.triggers[0]?.config ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    expect(alarm.triggers[0]?.type).toBe('http');
    expect(String(http.authtype).toLowerCase()).toBe('anonymous');
    expect(http.methods).toEqual(['POST']);
    expect(alarm.timeoutSeconds).toBeLessThanOrEqual(10);
    expect(probe.triggers).toEqual([]);
    expect(probe.timeoutSeconds).toBeLessThanOrEqual(600);
  });

  test('the probe function serves many invocations per instance, as the sandbox runs it, with probes enough for them', () => {
    const probe = locate(services, 'probe').fn;
    expect(probe.instanceConcurrency).toBe(PROBE_INSTANCE_CONCURRENCY);
    // The fan-out keeps each function within what its instances hold: it must assume what the descriptors deploy.
    expect(probe.instanceConcurrency).toBe(FANOUT_PROBE_INSTANCE_CONCURRENCY);
    expect(locate(services, 'audit').fn.instanceConcurrency).toBe(1);
    // Each invocation (one unhealthy backend) holds at most MAX_CONNECTIONS_PER_BACKEND probes at once.
    expect(Number(probe.env.SLB_DOCTOR_PROBE_CONCURRENCY)).toBeGreaterThanOrEqual(PROBE_INSTANCE_CONCURRENCY * MAX_CONNECTIONS_PER_BACKEND);
  });

  test('audit and alarm share an internet-facing service; the probe function has its own VPC-attached service', () => {
    const main = locate(services, 'audit').service;
    const probeService = locate(services, 'probe').service;
    expect(locate(services, 'alarm').service.name).toBe(main.name);
    expect(main).toMatchObject({ inVpc: false, internetAccess: true, hasLogConfig: true });
    expect(probeService.name).not.toBe(main.name);
    expect(probeService).toMatchObject({ inVpc: true, internetAccess: false, hasLogConfig: true });
  });

  test.each(FUNCTIONS)('%s declares exactly the variables its code reads, each catalogued for it', (name) => {
    const read = [...variablesRead(bundles, name)].sort();
    const declared = Object.keys(locate(services, name).fn.env).sort();
    expect(declared).toEqual(read);
    for (const variable of read) expect(CATALOGUE[variable]?.usedBy ?? []).toContain(name);
    const cataloguedForIt = Object.entries(CATALOGUE).filter(([, v]) => v.usedBy.includes(name)).map(([k]) => k).sort();
    expect(cataloguedForIt).toEqual(read);
  });

  test('the audit function fans out to the deployed probe function; the alarm function queues the deployed audit function', () => {
    const { service: main, fn: audit } = locate(services, 'audit');
    const { service: probeService } = locate(services, 'probe');
    const mapJson = (audit.env.SLB_DOCTOR_PROBE_FUNCTIONS ?? '').replace(/\$\{[^}]+\}/g, 'vpc-deployed');
    expect(parseVpcProbeMap(mapJson, 'SLB_DOCTOR_PROBE_FUNCTIONS')).toEqual({ 'vpc-deployed': { service: probeService.name, function: 'probe' } });
    expect(locate(services, 'alarm').fn.env.SLB_DOCTOR_AUDIT_FUNCTION).toBe(`${main.name}/audit`);
  });

  test('the audit/alarm role allows exactly the actions the code calls, on the resources it needs', () => {
    const main = locate(services, 'audit').service;
    const probeService = locate(services, 'probe').service;
    expect(main.managedPolicies).toEqual([]);
    const byProduct = new Map<string, Set<string>>();
    for (const statement of main.statements) {
      expect(statement.effect).toBe('Allow');
      for (const action of statement.actions) {
        expect(action).not.toContain('*');
        const product = action.slice(0, action.indexOf(':'));
        byProduct.set(product, (byProduct.get(product) ?? new Set()).add(action));
      }
    }
    expect([...byProduct.keys()].sort()).toEqual(['ecs', 'fc', 'log', 'oss', 'slb']);
    const openApi = [...(byProduct.get('slb') ?? []), ...(byProduct.get('ecs') ?? [])].sort();
    expect(openApi).toEqual([...calledActions(bundles, (file) => !file.startsWith(ON_HOST_SOURCES))].sort());
    expect([...(byProduct.get('fc') ?? [])]).toEqual(['fc:InvokeFunction']);
    expect([...(byProduct.get('oss') ?? [])].sort()).toEqual(['oss:GetObject', 'oss:PutObject']);
    expect([...(byProduct.get('log') ?? [])]).toEqual(['log:PostLogStoreLogs']);

    const resourcesOf = (prefix: string): string[] => main.statements.filter((s) => s.actions.some((a) => a.startsWith(prefix))).flatMap((s) => s.resources);
    const invoked = resourcesOf('fc:').map((r) => /:services\/([\w-]+)\/functions\/([\w-]+)$/.exec(r)?.slice(1).join('/'));
    expect(invoked.sort()).toEqual([`${main.name}/audit`, `${probeService.name}/probe`].sort());
    const stateObject = (locate(services, 'audit').fn.env.SLB_DOCTOR_STATE ?? '').replace(/^oss:\/\//, '');
    for (const resource of resourcesOf('oss:')) {
      expect(resource.startsWith(`acs:oss:*:*:${stateObject}`)).toBe(true);
      expect(resource === `acs:oss:*:*:${stateObject}` || resource === `acs:oss:*:*:${stateObject}.corrupt-*`).toBe(true);
    }
  });

  test('the on-host actions are one separate opt-in statement, exactly the Cloud Assistant actions lib/onhost calls', () => {
    const main = locate(services, 'audit').service;
    const onHost = [...calledActions(bundles, (file) => file.startsWith(ON_HOST_SOURCES))].sort();
    expect(onHost).toEqual([...ON_HOST_RAM_ACTIONS].sort());
    expect(main.statements.flatMap((s) => s.actions).filter((action) => onHost.includes(action) && action !== 'ecs:DescribeInstances')).toEqual([]);
    expect(main.optInStatements).toHaveLength(1);
    const [statement] = main.optInStatements;
    expect(statement?.optIn).toMatch(/^(OnHostEnabled|roleWithOnHost)$/);
    expect(statement?.effect).toBe('Allow');
    expect([...(statement?.actions ?? [])].sort()).toEqual(onHost);
    expect(locate(services, 'probe').service.optInStatements).toEqual([]);
  });

  test('the probe role only lets FC attach the function to the VPC and write its logs', () => {
    const probeService = locate(services, 'probe').service;
    expect(probeService.managedPolicies).toEqual(['AliyunECSNetworkInterfaceManagementAccess']);
    expect(probeService.statements.flatMap((s) => s.actions)).toEqual(['log:PostLogStoreLogs']);
  });
});

test('template.yml takes the secrets as NoEcho parameters', () => {
  const template = parse(readFileSync(join(ROOT, 'template.yml'), 'utf8')) as { Parameters: Record<string, { NoEcho?: boolean }> };
  const audit = locate(loadTemplate(), 'audit').fn;
  const alarm = locate(loadTemplate(), 'alarm').fn;
  for (const value of [audit.env.SLB_DOCTOR_NOTIFY_TARGETS, alarm.env.SLB_DOCTOR_ALARM_TOKEN]) {
    const parameter = /^\$\{(\w+)\}$/.exec(value ?? '')?.[1] ?? '';
    expect(template.Parameters[parameter]?.NoEcho).toBe(true);
  }
});

test('docs/configuration.md documents every catalogued variable with its functions and default, and nothing else', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \| ([a-z, ]+) \| (?:`([^`]*)`)? *\|/gm)].map((m) => ({ name: m[1], usedBy: m[2]?.split(', '), default: m[3] }));
  const expected = Object.entries(CATALOGUE).map(([name, v]) => ({ name, usedBy: [...v.usedBy], default: v.default }));
  expect(rows).toEqual(expected);
});
