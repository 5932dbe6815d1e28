declare module 's3rver' {
  import type { AddressInfo } from 'node:net';
  interface Context {
    method: string;
    path: string;
    get(header: string): string;
  }
  export default class S3rver {
    constructor(options: {
      address?: string;
      port?: number;
      directory: string;
      silent?: boolean;
      configureBuckets?: { name: string }[];
    });
    /** Koa's middleware stack (s3rver is a Koa application). */
    middleware: ((ctx: Context, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
  }
}
