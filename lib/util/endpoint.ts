// An OpenAPI endpoint given as a URL (the sandbox's, or a private endpoint): validated once, wherever it comes from.
import { UserFacingError } from './errors';

export interface ApiEndpoint {
  protocol: 'http' | 'https';
  /** `host` or `host:port`, sent verbatim as the Host header. */
  host: string;
}

/** Parses an override such as `http://127.0.0.1:7001`; `source` names where it came from, for the error. */
export function parseEndpointOverride(value: string, source: string): ApiEndpoint {
  const problem = (why: string): UserFacingError =>
    new UserFacingError(`${source} '${value}' ${why}: give a URL like http://127.0.0.1:7001 (protocol, host, optional port).`, 'CONFIG_INVALID');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw problem('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw problem(`uses protocol '${url.protocol}', not http or https`);
  if (url.username !== '' || url.password !== '') throw problem('must not carry credentials');
  if (url.hostname === '') throw problem('has no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') throw problem('must not have a path, query or fragment');
  return { protocol: url.protocol === 'http:' ? 'http' : 'https', host: url.host };
}
