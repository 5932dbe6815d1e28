import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

// A real S3-protocol server on loopback (s3rver: objects in a temporary folder; it refuses an
// unknown access key id but does not verify SigV4 signatures), with a log of the requests it served, so a test can see
// what a client asked for (e.g. server-side encryption, which s3rver itself ignores).

/** s3rver accepts only this key pair (its documented default). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Request {
  method: string;
  path: string;
  serverSideEncryption?: string;
}

export interface S3TestServer {
  endpoint: string;
  bucket: string;
  requests: S3Request[];
  /** A client for the test's own reads. */
  client: S3Client;
  keys(prefix?: string): Promise<string[]>;
  object(key: string): Promise<Buffer>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = 'govflow-export'): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'govflow-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const requests: S3Request[] = [];
  server.middleware.unshift(async (ctx, next) => {
    const sse = ctx.get('x-amz-server-side-encryption');
    requests.push({ method: ctx.method, path: decodeURIComponent(ctx.path), ...(sse ? { serverSideEncryption: sse } : {}) });
    await next();
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
  return {
    endpoint,
    bucket,
    requests,
    client,
    async keys(prefix = '') {
      const out = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key!).sort();
    },
    async object(key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
