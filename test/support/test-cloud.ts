// A sandbox cloud for integration tests, with the product's own cloud clients pointed at it. Credentials are always
// passed explicitly and the environment is never read, so nothing falls through to the @alicloud/credentials default
// chain (which may reach the network).
import { createCloudClients, type CloudClientOptions, type CloudClients, type StaticCredentials } from '../../lib/cloud';
import type { AuditOptions, AuditScope } from '../../lib/audit/types';
import { inProcessExecutor } from '../../lib/fanout/in-process';
import { startSandboxCloud, type SandboxCloud, type SandboxCloudOptions } from '../../lib/sandbox/cloud';
import type { Scenario } from '../../lib/sandbox/scenario/types';

export interface TestCloud {
  sandbox: SandboxCloud;
  regionId: string;
  /** `http://127.0.0.1:PORT` per API, as the product's `--slb-endpoint` / `--ecs-endpoint` take them. */
  endpoints: { slb: string; ecs: string };
  /** The sandbox's long-term access key. */
  credentials: StaticCredentials;
  /** The sandbox's STS key and token. */
  stsCredentials: StaticCredentials;
  /** Product clients signed with the long-term key. */
  clients: CloudClients;
  /** Product clients with other options (other credentials, retry policy …), still pointed at this sandbox. */
  clientsWith(overrides: Partial<CloudClientOptions>): CloudClients;
  /** A test net ("127.X.Y") where this sandbox serves it: the same unless the sandbox moved the scenario. */
  actualNet(net: string): string;
  /** runAudit options for this sandbox: explicit credentials, in-process probing, no notification, no deadline. */
  auditOptions(scope?: Partial<AuditScope>, overrides?: Partial<AuditOptions>): AuditOptions;
  stop(): Promise<void>;
}

/** Refuses the default credentials chain outright: a test that reaches it has forgotten its credentials. */
function noDefaultChain(): never {
  throw new Error('test clients must be given credentials explicitly; the default credentials chain is disabled in tests');
}

export async function startTestCloud(scenario: Scenario, options: SandboxCloudOptions = {}): Promise<TestCloud> {
  const sandbox = await startSandboxCloud(scenario, options);
  const endpoints = { slb: `http://${sandbox.endpoints.slb}`, ecs: `http://${sandbox.endpoints.ecs}` };
  const credentials: StaticCredentials = { accessKeyId: sandbox.credentials.accessKeyId, accessKeySecret: sandbox.credentials.accessKeySecret };
  const stsCredentials: StaticCredentials = { ...sandbox.credentials.sts };
  const clientsWith = (overrides: Partial<CloudClientOptions>): CloudClients =>
    createCloudClients({ regionId: sandbox.regionId, credentials, endpoints, defaultCredentialChain: noDefaultChain, ...overrides });
  return {
    sandbox,
    regionId: sandbox.regionId,
    endpoints,
    credentials,
    stsCredentials,
    clients: clientsWith({}),
    clientsWith,
    actualNet: (net) => sandbox.actual(`${net}.0`).replace(/\.0$/, ''),
    auditOptions: (scope = {}, overrides = {}) => ({
      scope: { regionId: sandbox.regionId, ...scope },
      credentials,
      endpoints,
      executor: inProcessExecutor({}),
      notify: null,
      deadlineAt: null,
      ...overrides,
    }),
    stop: () => sandbox.stop(),
  };
}
