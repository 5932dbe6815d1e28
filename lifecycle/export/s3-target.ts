import { createReadStream } from 'node:fs';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3ExportConfig } from './export-config';
import type { ExportTarget } from './export-target';

// An S3 bucket (AWS or any S3-compatible service) through @aws-sdk/client-s3. Credentials come
// from the SDK's default chain (environment, shared files, web identity, container or instance
// role); the region from the config, else AWS_REGION, else us-east-1. Every object is stored with
// server-side encryption requested (x-amz-server-side-encryption) and its SHA-256 sent for the
// service to verify (x-amz-checksum-sha256).

/** DeleteObjects takes at most 1,000 keys per request (S3 API reference). */
const DELETE_BATCH = 1000;

export function s3Target(config: S3ExportConfig): ExportTarget {
  const client = new S3Client({
    region: config.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    // The checksum is sent in a header (ours, SHA-256) rather than as an aws-chunked trailer, which
    // many S3-compatible servers store as part of the object.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = config.bucket;
  return {
    location: `s3://${Bucket}/${config.prefix}`,
    async put(key, file, object) {
      await client.send(
        new PutObjectCommand({
          Bucket,
          Key: key,
          Body: createReadStream(file),
          ContentLength: object.bytes,
          ContentType: object.contentType,
          ChecksumSHA256: Buffer.from(object.sha256, 'hex').toString('base64'),
          ServerSideEncryption: config.serverSideEncryption,
          ...(config.kmsKeyId ? { SSEKMSKeyId: config.kmsKeyId } : {}),
        }),
      );
    },
    async list(prefix) {
      const keys: string[] = [];
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken }));
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
      return keys.sort();
    },
    async remove(keys) {
      for (let i = 0; i < keys.length; i += DELETE_BATCH) {
        const batch = keys.slice(i, i + DELETE_BATCH);
        const out = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
        if (out.Errors?.length) throw new Error(`S3 refused to delete ${out.Errors.map((e) => `${e.Key}: ${e.Code}`).join(', ')}`);
      }
    },
  };
}
