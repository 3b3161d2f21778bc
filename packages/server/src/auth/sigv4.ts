import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { sqsErrors } from '../sqs/errors.js';
import type { Credentials } from './credentials.js';

export interface SignedRequest {
  method: string;
  /** Path and query as received, e.g. "/" or "/000000000000/orders?x=1". */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const header = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
/** As AWS: a signature more than 15 minutes from the server's time is refused. */
const maxSkewMs = 15 * 60_000;

/**
 * Verifies an AWS Signature Version 4 on a request and returns the caller's access key id.
 * The expected signature is computed with AWS's own signer (@smithy/signature-v4) over exactly
 * the headers the client says it signed, then compared in constant time.
 */
export async function verifySigV4(req: SignedRequest, credentials: Credentials, now: number): Promise<string> {
  const auth = first(req.headers.authorization);
  if (!auth) throw sqsErrors.missingAuthenticationToken();
  const m = header.exec(auth);
  if (!m) throw sqsErrors.incompleteSignature('Authorization header requires Credential, SignedHeaders and Signature, signed with AWS4-HMAC-SHA256.');
  const [, accessKeyId, day, region, service, signedList, signature] = m as unknown as [string, string, string, string, string, string, string];
  const secret = credentials.secretFor(accessKeyId);
  if (secret === undefined) throw sqsErrors.invalidClientTokenId();
  const amzDate = first(req.headers['x-amz-date']);
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(day)) throw sqsErrors.incompleteSignature('X-Amz-Date is missing or does not match the credential scope.');
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  if (Math.abs(signingDate.getTime() - now) > maxSkewMs) throw sqsErrors.requestExpired();

  const signed = signedList.split(';');
  if (!signed.includes('host')) throw sqsErrors.incompleteSignature('The host header must be signed.');
  const headers: Record<string, string> = {};
  for (const name of signed) {
    const v = req.headers[name];
    if (v === undefined) throw sqsErrors.signatureDoesNotMatch();
    headers[name] = Array.isArray(v) ? v.join(',') : v;
  }
  const url = new URL(req.url, 'http://placeholder');
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const token = first(req.headers['x-amz-security-token']);
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) },
    region,
    service,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const host = headers.host ?? '';
  const expected = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: host, path: url.pathname, query, headers, body: req.body },
    { signingDate, signableHeaders: new Set(signed), unsignableHeaders: new Set() },
  );
  const got = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization ?? ''))?.[1] ?? '';
  if (got.length !== 64 || !timingSafeEqual(Buffer.from(got), Buffer.from(signature))) throw sqsErrors.signatureDoesNotMatch();
  return accessKeyId;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
