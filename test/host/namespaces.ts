// Network namespaces for the host tests (root only): a backend namespace (eth0 10.0.3.5) and an "SLB" namespace
// (100.64.0.0/10 sources) joined by a veth pair, with no route out (test/host/support/netns.sh). Every command is
// bounded in time; every namespace and server is removed by `down()`.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const SUPPORT = path.join(__dirname, 'support');
const SCENARIOS = path.join(__dirname, '../fixtures/host/scenarios');

/** Why namespace tests cannot run here, or null when they can. */
export function namespaceSkipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need root; CI runs as root)';
  for (const tool of ['ip', 'iptables-nft-save', 'iptables-legacy', 'nft', 'ipset']) {
    if (spawnSync('bash', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) return `${tool} is not installed (apt-get install -y iproute2 iptables nftables ipset, as .ci/run does)`;
  }
  const probe = `slbd-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { stdio: 'pipe', timeout: 5000 });
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore', timeout: 5000 });
  if (added.status !== 0) return `ip netns add fails here: ${added.stderr.toString().trim()}`;
  return null;
}

export interface ScenarioHeader {
  port: number;
  listen: { address: string; mode: string } | null;
}

export function scenarioHeader(name: string): ScenarioHeader {
  const text = readFileSync(path.join(SCENARIOS, `${name}.sh`), 'utf8');
  const port = /^# port: (\d+)$/m.exec(text);
  const listen = /^# listen: (\S+) (\S+)$/m.exec(text);
  return { port: port ? Number(port[1]) : 8080, listen: listen ? { address: listen[1] as string, mode: listen[2] as string } : null };
}

export interface SynResult {
  source: string;
  outcome: 'connected' | 'refused' | 'reset' | 'timeout' | 'error';
  detail: string | null;
}

let counter = 0;

/** Runs a command without blocking the event loop (the cases run side by side); rejects on failure or timeout. */
function run(command: string, args: string[], options: { input?: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`${command} ${args.slice(0, 4).join(' ')} … ${signal ? `killed after ${options.timeoutMs} ms` : `exited ${code}`}: ${Buffer.concat(err).toString().trim().slice(0, 400)}`));
    });
    // A command that exits without reading its stdin closes the pipe first (EPIPE); its exit code decides, not the write.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

export class NamespacePair {
  readonly host: string;
  readonly slb: string;
  private server: ChildProcess | null = null;

  constructor() {
    counter += 1;
    this.host = `slbd-${process.pid}-${counter}-h`;
    this.slb = `slbd-${process.pid}-${counter}-s`;
  }

  async up(extraSources: string[]): Promise<void> {
    await run('bash', [path.join(SUPPORT, 'netns.sh'), 'up', this.host, this.slb, ...extraSources], { timeoutMs: 10_000 });
  }

  /** Runs bash in the backend namespace, with the given stdin; returns stdout. */
  hostBash(script: string, input?: string, timeoutMs = 15_000): Promise<string> {
    return run('ip', ['netns', 'exec', this.host, 'bash', '-c', script], { input, timeoutMs });
  }

  async loadScenario(name: string, env: Record<string, string> = {}): Promise<void> {
    await run('ip', ['netns', 'exec', this.host, 'bash', path.join(SCENARIOS, `${name}.sh`)], { timeoutMs: 30_000, env: { ...process.env, ...env } });
  }

  /** Starts test/host/support/tiny-server.js in the backend namespace and waits until it listens. */
  async serve(address: string, port: number, mode: string): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.host, process.execPath, path.join(SUPPORT, 'tiny-server.js'), address, String(port), mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.server = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tiny-server did not listen on ${address}:${port} within 5 s`)), 5000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tiny-server exited with ${code}`));
      });
    });
  }

  /** One real connection attempt (SYN, then a HEAD request) per source, from the SLB namespace. */
  async connect(port: number, sources: string[], waitMs = 1000): Promise<SynResult[]> {
    const out = await run('ip', ['netns', 'exec', this.slb, process.execPath, path.join(SUPPORT, 'syn-client.js'), '10.0.3.5', String(port), String(waitMs), 'http', ...sources], { timeoutMs: waitMs + 10_000 });
    return out.trim().split('\n').map((line) => JSON.parse(line) as SynResult);
  }

  down(): void {
    if (this.server && this.server.exitCode === null) this.server.kill('SIGTERM');
    this.server = null;
    spawnSync('bash', [path.join(SUPPORT, 'netns.sh'), 'down', this.host, this.slb], { stdio: 'ignore', timeout: 10_000 });
  }
}
