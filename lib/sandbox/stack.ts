// The whole sandbox as a newcomer sees it: the cloud (SLB, ECS, backends, SLB's checker), OSS for the state, the chat
// webhook sinks, and Function Compute running our three bundled functions with one probe function per VPC.
// Still sandbox code: it runs the product only as built bundles (dist/fc/<fn>/index.js), never by import.
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describeSandbox, runSandboxCommand, startSandboxCloud, type SandboxCloud, type SandboxCommandIo } from './cloud';
import { startFcEmulator, type FcEmulator } from './fc';
import type { EmulatedFunction } from './fc';
import { startOssEmulator, type OssEmulator } from './oss';
import type { Scenario } from './scenario/types';
import { startWebhookSinks, type WebhookSinks } from './webhooks';

export const STATE_BUCKET = 'slb-doctor-state';
export const STATE_KEY = 'slb-doctor/state.json';
export const SERVICE_NAME = 'slb-doctor';

export interface SandboxStackOptions {
  /** Where the function bundles are: <dir>/{audit,alarm,probe}/index.js (default dist/fc). */
  functionsDir?: string;
  /** Audit function timeout (the deadline test shortens it). */
  auditTimeoutSeconds?: number;
  /** Extra environment for the audit function (e.g. SLB_DOCTOR_PROBE_BATCH_SIZE). */
  auditEnv?: Record<string, string>;
  /** Instances per probe function (FC scales out per request; each instance serves one invocation at a time); default 16. */
  probeInstances?: number;
  /** Which chat sinks the audit notifies; default DingTalk and Slack. */
  notify?: ReadonlyArray<'dingtalk' | 'slack' | 'feishu' | 'wecom' | 'webhook'>;
  onFunctionLog?: (fn: string, line: string) => void;
}

export interface SandboxStack {
  cloud: SandboxCloud;
  oss: OssEmulator;
  sinks: WebhookSinks;
  fc: FcEmulator;
  alarmToken: string;
  /** `probe-<vpcId>` per VPC. */
  probeFunctions: Record<string, string>;
  describe(): Record<string, unknown>;
  stop(): Promise<void>;
}

const FC_PORT_ATTEMPTS = 3;

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function probeFunctionName(vpcId: string): string {
  return `probe-${vpcId}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64);
}

export async function startSandboxStack(scenario: Scenario, options: SandboxStackOptions = {}): Promise<SandboxStack> {
  const functionsDir = options.functionsDir ?? join(process.cwd(), 'dist', 'fc');
  for (const fn of ['audit', 'alarm', 'probe']) {
    if (!existsSync(join(functionsDir, fn, 'index.js'))) {
      throw new Error(`the function bundle ${join(functionsDir, fn, 'index.js')} is missing: run 'npm run build' first`);
    }
  }
  const stoppers: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stoppers.splice(0).reverse()) await s().catch(() => undefined);
  };
  try {
    const cloud = await startSandboxCloud(scenario);
    stoppers.push(() => cloud.stop());
    // From here on, the scenario as served: moved to free addresses when its own were taken.
    const served = cloud.scenario;
    const sts = cloud.credentials.sts;
    const oss = await startOssEmulator({
      credentials: [sts, { accessKeyId: cloud.credentials.accessKeyId, accessKeySecret: cloud.credentials.accessKeySecret }],
      buckets: [STATE_BUCKET],
    });
    stoppers.push(() => oss.stop());
    const sinks = await startWebhookSinks({});
    stoppers.push(() => sinks.stop());

    const alarmToken = randomBytes(24).toString('base64url');
    const kinds = options.notify ?? ['dingtalk', 'slack'];
    const targets = kinds.map((kind) => {
      const secret = kind === 'dingtalk' || kind === 'feishu' || kind === 'webhook' ? sinks.secrets[kind] : null;
      return { name: `sandbox-${kind}`, kind, url: sinks.urls[kind], ...(secret ? { secret } : {}) };
    });
    const probeFunctions: Record<string, string> = {};
    for (const vpc of served.vpcs) probeFunctions[vpc.vpcId] = probeFunctionName(vpc.vpcId);

    const functionsAt = (fcEndpoint: string): EmulatedFunction[] => {
      const shared = {
        SLB_DOCTOR_REGION: cloud.regionId,
        SLB_DOCTOR_SLB_ENDPOINT: `http://${cloud.endpoints.slb}`,
        SLB_DOCTOR_ECS_ENDPOINT: `http://${cloud.endpoints.ecs}`,
        SLB_DOCTOR_FC_ENDPOINT: fcEndpoint,
        SLB_DOCTOR_OSS_ENDPOINT: oss.endpoint,
        SLB_DOCTOR_STATE: `oss://${STATE_BUCKET}/${STATE_KEY}`,
      };
      return [
        {
          service: SERVICE_NAME,
          name: 'audit',
          codeDir: join(functionsDir, 'audit'),
          timeoutSeconds: options.auditTimeoutSeconds ?? 300,
          memoryMB: 256,
          maxInstances: 2,
          env: {
            ...shared,
            SLB_DOCTOR_NOTIFY_TARGETS: JSON.stringify(targets),
            SLB_DOCTOR_PROBE_FUNCTIONS: JSON.stringify(
              Object.fromEntries(Object.entries(probeFunctions).map(([vpcId, name]) => [vpcId, { service: SERVICE_NAME, function: name }])),
            ),
            ...options.auditEnv,
          },
        },
        {
          service: SERVICE_NAME,
          name: 'alarm',
          codeDir: join(functionsDir, 'alarm'),
          timeoutSeconds: 10,
          memoryMB: 128,
          env: { ...shared, SLB_DOCTOR_ALARM_TOKEN: alarmToken, SLB_DOCTOR_AUDIT_FUNCTION: 'audit' },
          httpTrigger: { authType: 'anonymous', methods: ['POST'] },
        },
        ...served.vpcs.map(
          (vpc): EmulatedFunction => ({
            service: SERVICE_NAME,
            name: probeFunctionName(vpc.vpcId),
            codeDir: join(functionsDir, 'probe'),
            timeoutSeconds: 120,
            memoryMB: 256,
            maxInstances: options.probeInstances ?? 16,
            env: { SLB_DOCTOR_PROBE_ALLOWED_CIDRS: vpc.cidr },
            vpc: { vpcId: vpc.vpcId, vSwitchIds: [vpc.vSwitchId], securityGroupId: `sg-probe-${vpc.vpcId}` },
          }),
        ),
      ];
    };
    // The functions must know FC's endpoint before FC starts, so its port is picked first: a free one from the kernel,
    // released and bound again. Another process may take it in between; then pick again.
    let started: { fc: FcEmulator; functions: EmulatedFunction[] } | undefined;
    for (let attempt = 1; started === undefined; attempt += 1) {
      const fcPort = await freeLoopbackPort();
      const functions = functionsAt(`http://127.0.0.1:${fcPort}`);
      try {
        const emulator = await startFcEmulator({
          functions,
          credentials: sts,
          accessKeys: [{ accessKeyId: cloud.credentials.accessKeyId, accessKeySecret: cloud.credentials.accessKeySecret }],
          accountId: cloud.accountId,
          region: cloud.regionId,
          port: fcPort,
          ...(options.onFunctionLog ? { onLog: options.onFunctionLog } : {}),
        });
        started = { fc: emulator, functions };
      } catch (err) {
        if (attempt >= FC_PORT_ATTEMPTS || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      }
    }
    const { fc, functions } = started;
    stoppers.push(() => fc.stop());
    return {
      cloud,
      oss,
      sinks,
      fc,
      alarmToken,
      probeFunctions,
      describe: () => ({
        ...describeSandbox(cloud),
        endpoints: { ...cloud.endpoints, fc: fc.endpoint.replace(/^https?:\/\//, ''), oss: oss.endpoint.replace(/^https?:\/\//, '') },
        webhooks: sinks.urls,
        alarmUrl: `${fc.httpTriggerUrl({ service: SERVICE_NAME, name: 'alarm' })}?token=${alarmToken}`,
        functions: functions.map((f) => `${f.service}/${f.name}`),
      }),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** `slb-doctor sandbox`: the full stack (cloud, OSS, chat sinks, FC with our functions), one JSON line, until stopped. */
export function runFullSandboxCommand(argv: readonly string[], io: SandboxCommandIo): Promise<number> {
  return runSandboxCommand(argv, io, async (scenario) => {
    const stack = await startSandboxStack(scenario);
    return { banner: () => stack.describe(), stop: () => stack.stop() };
  });
}
