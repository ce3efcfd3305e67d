// Sweep throughput: `--all` over a fleet's healthy backends (the TIMEOUT_RISK sweep), through the whole audit and
// fan-out, in probes per CPU-second of the probing processes (the probe functions' instances). Beside it, on one
// loopback HTTP target, 5,000 HEAD probes at 64 in flight: our prober alone (runProbe in a process of its own) and, if
// it is installed, Prometheus blackbox_exporter (Debian prometheus-blackbox-exporter), scraped over keep-alive.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Agent, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditInvocationResult } from '../lib/audit/invocation-result';
import { freeLoopbackPort, SERVICE_NAME, type SandboxStack } from '../lib/sandbox/stack';
import { UserFacingError } from '../lib/util/errors';
import { cpuSpentMs, functionCpuMs } from './rss';

export const SIDE_BY_SIDE_PROBES = 5_000;
export const SIDE_BY_SIDE_IN_FLIGHT = 64;
const BLACKBOX_BINARIES = ['prometheus-blackbox-exporter', 'blackbox_exporter'];

export interface SweepFigures {
  loadBalancers: number;
  wallMs: number;
  /** Probes the audit sent (the sweep's replays and the unhealthy backends' evidence). */
  probes: number;
  /** CPU of the probe functions' instances during the sweep, and of the audit function's. */
  probeCpuMs: number | null;
  auditorCpuMs: number | null;
  probesPerProbeCpuSecond: number | null;
  /** Probe instances alive at the end (their CPU is what the figure counts). */
  probeInstances: number | null;
  /** The same probes over the CPU of the probing processes and the auditor that fans them out. */
  probesPerCpuSecondWithAuditor: number | null;
}

export interface SideBySide {
  probes: number;
  inFlight: number;
  prober: { cpuMs: number; probesPerCpuSecond: number };
  /** Null when blackbox_exporter is not installed (`note` says so). */
  blackbox: { version: string; cpuMs: number; probesPerCpuSecond: number } | null;
  note: string | null;
}

/** Fires an `--all` audit on a stack that is already up, and measures it. */
export async function measureSweep(stack: SandboxStack, loadBalancers: number, timeoutMs: number, interrupted: Promise<never>): Promise<SweepFigures> {
  const probeFunctions = new Set(Object.values(stack.probeFunctions));
  const isProbe = (name: string): boolean => probeFunctions.has(name);
  const isAudit = (name: string): boolean => name === 'audit';
  const before = { probe: functionCpuMs(isProbe), audit: functionCpuMs(isAudit) };
  const requestId = stack.fc.fireTimer({ service: SERVICE_NAME, name: 'audit' }, { triggerName: 'bench-sweep', payload: JSON.stringify({ all: true }) });
  const record = await Promise.race([stack.fc.waitForAsync(requestId, timeoutMs), interrupted]);
  if (record.status !== 'succeeded') throw new UserFacingError(`the --all audit failed: ${record.error?.errorType ?? ''} ${record.error?.errorMessage ?? ''}`, 'BENCH_FAILED');
  const after = { probe: functionCpuMs(isProbe), audit: functionCpuMs(isAudit) };
  const result = JSON.parse(record.result ?? '{}') as Partial<AuditInvocationResult>;
  const probes = result.probesSent ?? 0;
  const probeCpuMs = cpuSpentMs(before.probe, after.probe);
  const auditorCpuMs = cpuSpentMs(before.audit, after.audit);
  const rate = (cpuMs: number | null): number | null => (cpuMs === null || cpuMs <= 0 ? null : probes / (cpuMs / 1000));
  return {
    loadBalancers,
    wallMs: (record.finishedAt ?? Date.now()) - record.enqueuedAt,
    probes,
    probeCpuMs,
    auditorCpuMs,
    probesPerProbeCpuSecond: rate(probeCpuMs),
    probeInstances: after.probe?.size ?? null,
    probesPerCpuSecondWithAuditor: rate(probeCpuMs === null || auditorCpuMs === null ? null : probeCpuMs + auditorCpuMs),
  };
}

/** A loopback target answering HEAD /health with 200 (what both probers are pointed at). */
async function startTarget(): Promise<{ server: Server; url: string; ip: string; port: number }> {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? 200 : 404;
    res.end();
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/health`, ip: '127.0.0.1', port };
}

/** Our prober alone, in a process of its own, so that its CPU time is its own. */
async function measureProber(target: { ip: string; port: number }): Promise<{ cpuMs: number; probesPerCpuSecond: number }> {
  const runModule = join(__dirname, '..', 'lib', 'probe', 'run');
  const script = `
    const { runProbe } = require(${JSON.stringify(runModule)});
    const request = { kind: 'http', ip: ${JSON.stringify(target.ip)}, port: ${target.port}, method: 'HEAD', uri: '/health', httpVersion: '1.0', host: ${JSON.stringify(target.ip)}, acceptedCodes: ['http_2xx', 'http_3xx'], timeoutMs: 5000 };
    let next = 0, ok = 0;
    const start = process.cpuUsage();
    const worker = async () => { while (next < ${SIDE_BY_SIDE_PROBES}) { next++; if ((await runProbe(request)).outcome === 'ok') ok++; } };
    Promise.all(Array.from({ length: ${SIDE_BY_SIDE_IN_FLIGHT} }, worker)).then(() => {
      const used = process.cpuUsage(start);
      process.stdout.write(JSON.stringify({ ok, cpuMs: (used.user + used.system) / 1000 }));
    });`;
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`the prober process exited with ${code}`))));
  });
  const { ok, cpuMs } = JSON.parse(output) as { ok: number; cpuMs: number };
  if (ok !== SIDE_BY_SIDE_PROBES) throw new UserFacingError(`our prober passed ${ok} of ${SIDE_BY_SIDE_PROBES} probes against the loopback target`, 'BENCH_FAILED');
  return { cpuMs, probesPerCpuSecond: SIDE_BY_SIDE_PROBES / (cpuMs / 1000) };
}

function blackboxBinary(): string | null {
  for (const name of BLACKBOX_BINARIES) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim() !== '') return found.stdout.trim();
  }
  return null;
}

function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime, in USER_HZ (100) ticks.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One scrape of /probe; resolves with whether the probe succeeded (probe_success 1). */
function scrape(agent: Agent, url: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(/^probe_success 1$/m.test(body)));
    });
    request.once('timeout', () => request.destroy(new Error('blackbox_exporter did not answer within 10 s')));
    request.once('error', reject);
  });
}

async function measureBlackbox(binary: string, target: { url: string }): Promise<{ version: string; cpuMs: number; probesPerCpuSecond: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'slb-doctor-blackbox-'));
  const config = join(dir, 'blackbox.yml');
  writeFileSync(config, 'modules:\n  http_head:\n    prober: http\n    timeout: 5s\n    http:\n      method: HEAD\n      preferred_ip_protocol: ip4\n      valid_status_codes: [200]\n');
  const port = await freeLoopbackPort();
  let child: ChildProcess | null = null;
  const agent = new Agent({ keepAlive: true, maxSockets: SIDE_BY_SIDE_IN_FLIGHT });
  try {
    const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    const versionText = /version (\S+)/.exec(`${version.stdout}${version.stderr}`)?.[1] ?? 'unknown';
    child = spawn(binary, [`--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const base = `http://127.0.0.1:${port}`;
    const probeUrl = `${base}/probe?module=http_head&target=${encodeURIComponent(target.url)}`;
    let ready = false;
    for (let attempt = 0; attempt < 50 && !ready; attempt++) {
      ready = await scrape(agent, probeUrl).catch(() => false);
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (!ready || child.pid === undefined) throw new UserFacingError('blackbox_exporter did not start answering within 5 s', 'BENCH_FAILED');
    const pid = child.pid;
    const before = processCpuMs(pid);
    let next = 0;
    let succeeded = 0;
    const worker = async (): Promise<void> => {
      while (next < SIDE_BY_SIDE_PROBES) {
        next++;
        if (await scrape(agent, probeUrl)) succeeded++;
      }
    };
    await Promise.all(Array.from({ length: SIDE_BY_SIDE_IN_FLIGHT }, worker));
    const cpuMs = processCpuMs(pid) - before;
    if (succeeded !== SIDE_BY_SIDE_PROBES) throw new UserFacingError(`blackbox_exporter passed ${succeeded} of ${SIDE_BY_SIDE_PROBES} probes`, 'BENCH_FAILED');
    return { version: versionText, cpuMs, probesPerCpuSecond: SIDE_BY_SIDE_PROBES / (cpuMs / 1000) };
  } finally {
    agent.destroy();
    child?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function measureSideBySide(progress: (line: string) => void): Promise<SideBySide> {
  const target = await startTarget();
  try {
    progress(`side by side: ${SIDE_BY_SIDE_PROBES} HEAD probes at ${SIDE_BY_SIDE_IN_FLIGHT} in flight against ${target.url}`);
    const prober = await measureProber(target);
    const binary = process.platform === 'linux' ? blackboxBinary() : null;
    if (binary === null) {
      return { probes: SIDE_BY_SIDE_PROBES, inFlight: SIDE_BY_SIDE_IN_FLIGHT, prober, blackbox: null, note: 'blackbox_exporter is not installed (Debian: apt-get install prometheus-blackbox-exporter); its column is skipped' };
    }
    return { probes: SIDE_BY_SIDE_PROBES, inFlight: SIDE_BY_SIDE_IN_FLIGHT, prober, blackbox: await measureBlackbox(binary, target), note: null };
  } finally {
    await new Promise<void>((resolve) => target.server.close(() => resolve()));
  }
}
