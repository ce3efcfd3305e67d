// The sandbox that `slb-doctor audit` process tests run against: one per test file (the audit tests are split over
// two files so that jest's workers share them), with the CLI compiled once for the file and its whole
// configuration in the environment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomTestNet } from '../support/nets';
import { relocatedDefaultScenario } from '../support/scenarios';
import { startTestCloud, type TestCloud } from '../support/test-cloud';
import { compileCli, runCli, type CliResult, type CompiledCli } from './cli-process';

/** A scope whose only finding is a warning (HEALTH_CHECK_DISABLED): exit 0. */
export const WARNING_ONLY = ['--lb', 'lb-sandbox-ops', '--listener', '8001/http'];
/** A scope whose findings are errors: exit 1. */
export const ERRORS = ['--lb', 'lb-sandbox-db'];

export interface AuditSandbox {
  cloud(): TestCloud;
  cli(): CompiledCli;
  /** The file's temporary directory (HOME and cwd of every run). */
  dir(): string;
  /** The CLI's whole environment for the sandbox: keys, region and endpoints all from variables, no flag. */
  sandboxEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  audit(args: string[], extra?: NodeJS.ProcessEnv): Promise<CliResult>;
  slbCalls(action: string): number;
  /** A fresh path in the file's directory. */
  tempFile(name: string): string;
}

export function targetsJson(...targets: { name: string; url: string }[]): string {
  return JSON.stringify(targets.map((t) => ({ name: t.name, kind: 'webhook', url: t.url })));
}

/** Registers the file's beforeAll/afterAll: this file's copy of the default scenario, in a loopback /24 of its own. */
export function useAuditSandbox(): AuditSandbox {
  const net = randomTestNet();
  let cloud: TestCloud | undefined;
  let cli: CompiledCli | undefined;
  let dir: string | undefined;
  let fileCounter = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slb-doctor-cli-process-'));
    cli = compileCli();
    cloud = await startTestCloud(relocatedDefaultScenario(net));
    if (!(await cloud.sandbox.checker.settled(20_000))) throw new Error('the health checker did not settle');
  }, 120_000);

  afterAll(async () => {
    await cloud?.stop();
    cli?.remove();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the audit sandbox has no ${what}: beforeAll did not run or failed`);
    return value;
  };
  const sandbox: AuditSandbox = {
    cloud: () => started(cloud, 'cloud'),
    cli: () => started(cli, 'compiled CLI'),
    dir: () => started(dir, 'directory'),
    sandboxEnv(extra = {}) {
      const c = sandbox.cloud();
      return {
        HOME: sandbox.dir(),
        ALIBABA_CLOUD_ACCESS_KEY_ID: c.credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: c.credentials.accessKeySecret,
        SLB_DOCTOR_REGION: c.regionId,
        SLB_DOCTOR_SLB_ENDPOINT: c.endpoints.slb,
        SLB_DOCTOR_ECS_ENDPOINT: c.endpoints.ecs,
        ...extra,
      };
    },
    audit: (args, extra = {}) => runCli(sandbox.cli().bin, ['audit', ...args], sandbox.sandboxEnv(extra), { cwd: sandbox.dir() }),
    slbCalls: (action) => sandbox.cloud().sandbox.apiStats().actions[`slb:${action}`]?.calls ?? 0,
    tempFile(name) {
      fileCounter += 1;
      return join(sandbox.dir(), `${fileCounter}-${name}`);
    },
  };
  return sandbox;
}
