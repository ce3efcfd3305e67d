// The program each function instance runs (`node -e RUNNER_SOURCE`, with an IPC channel): it loads the handler the
// way FC's Node.js runtime does (`<file>.<export>` inside the code directory, on the first invocation), then runs one
// invocation at a time as the parent asks. Kept as plain JavaScript text so that the same child starts identically
// from the TypeScript sources (tests) and from the compiled build, with no loader in between.
export const RUNNER_SOURCE = String.raw`
'use strict';
const path = require('node:path');
const { Readable } = require('node:stream');

const codeDir = process.env.FC_FUNC_CODE_PATH;
const handlerSpec = process.env.FC_FUNCTION_HANDLER || 'index.handler';
let loaded = null;

function loadHandler() {
  if (loaded) return loaded;
  const dot = handlerSpec.lastIndexOf('.');
  const file = handlerSpec.slice(0, dot);
  const name = handlerSpec.slice(dot + 1);
  const mod = require(path.join(codeDir, file));
  const fn = mod[name];
  if (typeof fn !== 'function') throw new TypeError('handler ' + handlerSpec + ' is not a function exported by ' + file + '.js');
  loaded = fn;
  return fn;
}

function describeError(err) {
  if (err instanceof Error) {
    return { errorMessage: err.message, errorType: err.name || 'Error', stackTrace: String(err.stack || '').split('\n').slice(1, 11).map((l) => l.trim()) };
  }
  return { errorMessage: String(err), errorType: 'Error', stackTrace: [] };
}

function encodeResult(value) {
  if (value === undefined || value === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function runEvent(message) {
  let settled = false;
  const finish = (err, value) => {
    if (settled) return;
    settled = true;
    if (err) process.send({ type: 'result', id: message.id, ok: false, error: describeError(err) });
    else process.send({ type: 'result', id: message.id, ok: true, body: encodeResult(value).toString('base64') });
  };
  try {
    const handler = loadHandler();
    const returned = handler(Buffer.from(message.event, 'base64'), message.context, finish);
    if (returned && typeof returned.then === 'function') returned.then((v) => finish(null, v), (e) => finish(e || new Error('handler rejected')));
  } catch (err) {
    finish(err);
  }
}

function runHttp(message) {
  const r = message.request;
  const body = Buffer.from(r.body, 'base64');
  // The request is a readable stream too, for handlers that read it with raw-body.
  const req = Readable.from(body.length > 0 ? [body] : []);
  Object.assign(req, { method: r.method, path: r.path, url: r.url, queries: r.queries, headers: r.headers, clientIP: r.clientIP, body });
  let status = 200;
  const headers = {};
  let sent = false;
  const fail = (err) => {
    if (sent) return;
    sent = true;
    process.send({ type: 'http-error', id: message.id, error: describeError(err) });
  };
  const resp = {
    setStatusCode(code) { status = Number(code); },
    setHeader(key, value) { headers[String(key).toLowerCase()] = String(value); },
    deleteHeader(key) { delete headers[String(key).toLowerCase()]; },
    send(payload) {
      if (sent) return;
      const deliver = (buf) => {
        sent = true;
        process.send({ type: 'http-response', id: message.id, status, headers, body: buf.toString('base64') });
      };
      if (payload && typeof payload.pipe === 'function') {
        const chunks = [];
        payload.on('data', (c) => chunks.push(Buffer.from(c)));
        payload.on('end', () => deliver(Buffer.concat(chunks)));
        payload.on('error', fail);
      } else {
        deliver(encodeResult(payload));
      }
    },
  };
  try {
    const handler = loadHandler();
    const returned = handler(req, resp, message.context);
    if (returned && typeof returned.then === 'function') returned.then(undefined, (e) => fail(e || new Error('handler rejected')));
  } catch (err) {
    fail(err);
  }
}

process.on('message', (message) => {
  if (message.type === 'event') runEvent(message);
  else if (message.type === 'http') runHttp(message);
});
process.on('uncaughtException', (err) => {
  process.send({ type: 'crash', error: describeError(err) }, () => process.exit(1));
});
process.on('unhandledRejection', (err) => {
  process.send({ type: 'crash', error: describeError(err) }, () => process.exit(1));
});
process.send({ type: 'ready' });
`;
