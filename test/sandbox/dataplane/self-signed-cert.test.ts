// The tls-only backend's certificate must always be valid DER: a random serial starting with a zero byte once made
// about one start in 256 fail with "illegal padding".
import * as tls from 'node:tls';
import { createSelfSignedCertificate } from '../../../lib/sandbox/backends/self-signed-cert';

it('every generated certificate loads into a TLS context', () => {
  for (let i = 0; i < 600; i++) expect(() => tls.createSecureContext(createSelfSignedCertificate('127.0.0.22'))).not.toThrow();
});
