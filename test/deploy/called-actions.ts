// The OpenAPI actions the audit function's code can call, derived from the code: the SLB and ECS client methods the
// rest of the bundle calls (followed through the clients' own `this.method(...)` calls), and the action names those
// methods send — literals, or the values of an action map such as LISTENER_ATTRIBUTE_ACTION.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, bundleSources, type Bundles } from './bundles';

const CLIENTS = [
  { product: 'slb', file: 'lib/cloud/slb.ts' },
  { product: 'ecs', file: 'lib/cloud/ecs.ts' },
] as const;

// The product is read-only: every action it may send is a Describe*, except the opt-in on-host run's RunCommand.
const ACTION_LITERAL = /'(Describe[A-Z][A-Za-z]+|RunCommand)'/g;

function classMethods(source: string): Map<string, string> {
  const start = source.indexOf('\nexport class ');
  if (start < 0) throw new Error('no exported client class');
  const end = source.indexOf('\n}\n', start);
  const body = source.slice(start, end < 0 ? undefined : end);
  // Members sit at exactly two spaces of indentation; statements inside them are deeper.
  const heads = [...body.matchAll(/^ {2}(?=\S)(?:(?:private|protected|public|static|async)[ \t]+)*\*?[ \t]*(\w+)[ \t]*(?:<[^>\n]*>)?\(/gm)];
  const methods = new Map<string, string>();
  heads.forEach((head, i) => {
    const name = head[1];
    if (name === undefined || head.index === undefined) return;
    methods.set(name, body.slice(head.index, heads[i + 1]?.index ?? body.length));
  });
  return methods;
}

/** `const NAME… = { key: 'DescribeX', … }` maps whose values are all action names. */
function actionMaps(source: string): Map<string, string[]> {
  const maps = new Map<string, string[]>();
  for (const match of source.matchAll(/const ([A-Z_]+)[^=\n]*=\s*\{([^}]*)\}/g)) {
    const values = [...(match[2] ?? '').matchAll(/:\s*'([A-Za-z]+)'/g)].map((m) => m[1] ?? '');
    if (match[1] && values.length > 0 && values.every((v) => /^Describe[A-Z]/.test(v))) maps.set(match[1], values);
  }
  return maps;
}

/** The actions reached from the bundle's files that `callers` accepts (default: every file). */
export function calledActions(bundles: Bundles, callers: (file: string) => boolean = () => true): Set<string> {
  const sources = bundleSources(bundles, 'audit');
  const actions = new Set<string>();
  for (const { product, file } of CLIENTS) {
    if (!sources.includes(file)) throw new Error(`${file} is not in the audit bundle`);
    const source = readFileSync(join(ROOT, file), 'utf8');
    const methods = classMethods(source);
    const maps = actionMaps(source);
    const callerText = sources.filter((f) => f !== file && callers(f)).map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const pending = [...methods.keys()].filter((name) => new RegExp(`\\.${name}\\(`).test(callerText));
    const reached = new Set<string>();
    while (pending.length > 0) {
      const name = pending.pop() as string;
      if (reached.has(name)) continue;
      reached.add(name);
      const body = methods.get(name) ?? '';
      for (const call of body.matchAll(/this\.(\w+)\(/g)) if (call[1] && methods.has(call[1])) pending.push(call[1]);
      for (const literal of body.matchAll(ACTION_LITERAL)) actions.add(`${product}:${literal[1]}`);
      for (const [map, values] of maps) if (body.includes(`${map}[`)) for (const value of values) actions.add(`${product}:${value}`);
    }
  }
  return actions;
}
