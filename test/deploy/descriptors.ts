// template.yml (ROS Transform) and s.yaml (Serverless Devs) read into one shape, so that one set of checks covers both.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './bundles';

export interface PolicyStatement {
  effect: string;
  actions: string[];
  /** Resource strings; ROS `Fn::Sub` templates are kept as their template text. */
  resources: string[];
}

export interface DeployedFunction {
  name: string;
  runtime: string;
  handler: string;
  memoryMB: number;
  timeoutSeconds: number;
  codeUri: string;
  env: Record<string, string>;
  triggers: Array<{ type: 'timer' | 'http'; config: Record<string, unknown> }>;
}

export interface DeployedService {
  name: string;
  inVpc: boolean;
  internetAccess: boolean;
  hasLogConfig: boolean;
  managedPolicies: string[];
  statements: PolicyStatement[];
  functions: DeployedFunction[];
}

type Doc = Record<string, unknown>;

function record(value: unknown, where: string): Doc {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${where} is not a mapping`);
  return value as Doc;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const sub = typeof value === 'object' && value !== null ? (value as Doc)['Fn::Sub'] ?? (value as Doc)['Ref'] : undefined;
  if (typeof sub === 'string') return 'Ref' in (value as Doc) ? `\${${sub}}` : sub;
  throw new Error(`cannot read ${JSON.stringify(value)} as text`);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function policies(raw: unknown[], keys: { statement: string; effect: string; action: string; resource: string }): { managed: string[]; statements: PolicyStatement[] } {
  const managed: string[] = [];
  const statements: PolicyStatement[] = [];
  for (const policy of raw) {
    if (typeof policy === 'string') {
      managed.push(policy);
      continue;
    }
    for (const statement of list(record(policy, 'policy')[keys.statement])) {
      const s = record(statement, 'statement');
      statements.push({ effect: text(s[keys.effect]), actions: list(s[keys.action]).map(text), resources: list(s[keys.resource]).map(text) });
    }
  }
  return { managed, statements };
}

function readYaml(file: string): Doc {
  return record(parse(readFileSync(join(ROOT, file), 'utf8')), file);
}

/** A `Ref` to a template parameter reads as that parameter's default (what a deploy gets unless told otherwise). */
function withDefault(value: unknown, parameters: Doc): unknown {
  const ref = typeof value === 'object' && value !== null ? (value as Doc).Ref : undefined;
  if (typeof ref !== 'string') return value;
  const parameter = parameters[ref];
  const fallback = typeof parameter === 'object' && parameter !== null ? (parameter as Doc).Default : undefined;
  return fallback ?? value;
}

export function loadTemplate(): DeployedService[] {
  const template = readYaml('template.yml');
  const parameters = record(template.Parameters ?? {}, 'Parameters');
  const resources = record(template.Resources, 'Resources');
  return Object.entries(resources)
    .filter(([, value]) => record(value, 'resource').Type === 'Aliyun::Serverless::Service')
    .map(([serviceName, value]) => {
      const service = record(value, serviceName);
      const props = record(service.Properties, `${serviceName}.Properties`);
      const { managed, statements } = policies(list(props.Policies ?? []), { statement: 'Statement', effect: 'Effect', action: 'Action', resource: 'Resource' });
      const functions = Object.entries(service)
        .filter(([, fn]) => typeof fn === 'object' && fn !== null && (fn as Doc).Type === 'Aliyun::Serverless::Function')
        .map(([name, fn]): DeployedFunction => {
          const p = record((fn as Doc).Properties, `${name}.Properties`);
          const events = record((fn as Doc).Events ?? {}, `${name}.Events`);
          return {
            name,
            runtime: text(withDefault(p.Runtime, parameters)),
            handler: text(p.Handler),
            memoryMB: Number(p.MemorySize),
            timeoutSeconds: Number(p.Timeout),
            codeUri: text(p.CodeUri),
            env: Object.fromEntries(Object.entries(record(p.EnvironmentVariables ?? {}, `${name}.EnvironmentVariables`)).map(([k, v]) => [k, text(v)])),
            triggers: Object.values(events).map((event) => {
              const e = record(event, `${name} event`);
              return { type: text(e.Type).toLowerCase() === 'timer' ? 'timer' : 'http', config: record(e.Properties, `${name} event Properties`) };
            }),
          };
        });
      return { name: serviceName, inVpc: props.VpcConfig !== undefined, internetAccess: props.InternetAccess === true, hasLogConfig: props.LogConfig !== undefined, managedPolicies: managed, statements, functions };
    });
}

/** Replaces `${vars.name}` with the string under `vars`, as Serverless Devs does before deploying. */
function resolveVars(value: unknown, vars: Doc): unknown {
  if (typeof value === 'string') return value.replace(/\$\{vars\.(\w+)\}/g, (whole, name: string) => (typeof vars[name] === 'string' ? (vars[name] as string) : whole));
  if (Array.isArray(value)) return value.map((item) => resolveVars(item, vars));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVars(v, vars)]));
  return value;
}

export function loadServerlessDevs(): DeployedService[] {
  const raw = readYaml('s.yaml');
  const doc = record(resolveVars(raw, record(raw.vars ?? {}, 'vars')), 's.yaml');
  const services = new Map<string, DeployedService>();
  const serviceSettings = new Map<string, string>();
  for (const [key, entry] of Object.entries(record(doc.services, 'services'))) {
    const e = record(entry, key);
    if (e.component !== 'devsapp/fc') throw new Error(`${key} uses component ${String(e.component)}, not devsapp/fc`);
    const props = record(e.props, `${key}.props`);
    const service = record(props.service, `${key}.props.service`);
    const fn = record(props.function, `${key}.props.function`);
    const name = text(service.name);
    const role = record(service.role, `${key} role`);
    const { managed, statements } = policies(list(role.policies), { statement: 'statement', effect: 'Effect', action: 'Action', resource: 'Resource' });
    // Entries deploying into one service must agree on it: the last `s deploy` of either would win.
    const settings = JSON.stringify({ role, vpc: service.vpcConfig, internet: service.internetAccess, log: service.logConfig });
    const seen = serviceSettings.get(name);
    if (seen !== undefined && seen !== settings) throw new Error(`s.yaml entries for service ${name} configure it differently`);
    serviceSettings.set(name, settings);
    const existing = services.get(name) ?? { name, inVpc: service.vpcConfig !== undefined, internetAccess: service.internetAccess === true, hasLogConfig: service.logConfig !== undefined, managedPolicies: managed, statements, functions: [] };
    existing.functions.push({
      name: text(fn.name),
      runtime: text(fn.runtime),
      handler: text(fn.handler),
      memoryMB: Number(fn.memorySize),
      timeoutSeconds: Number(fn.timeout),
      codeUri: text(fn.codeUri),
      env: Object.fromEntries(Object.entries(record(fn.environmentVariables ?? {}, `${key} environmentVariables`)).map(([k, v]) => [k, text(v)])),
      triggers: list(props.triggers ?? []).map((t) => {
        const trigger = record(t, `${key} trigger`);
        return { type: text(trigger.type) === 'timer' ? 'timer' : 'http', config: record(trigger.config, `${key} trigger config`) };
      }),
    });
    services.set(name, existing);
  }
  return [...services.values()];
}
