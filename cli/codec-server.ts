import { createServer, type Server } from 'node:http';
import { payloadFromJson, payloadToJson, type AesGcmPayloadCodec, type JsonPayload } from '../temporal/payload-codec';

// The Temporal codec-server protocol: POST /encode and /decode with {"payloads": [...]} where
// each payload's metadata values and data are base64. The Temporal Web UI calls it from the
// browser (so CORS must allow the UI's origin) to show encrypted payloads decoded.

export function createCodecServer(codec: AesGcmPayloadCodec, allowedOrigins: string[]): Server {
  return createServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const route = req.url?.split('?')[0]?.replace(/\/+$/, '');
    if (req.method !== 'POST' || (route !== '/encode' && route !== '/decode')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('POST /encode or /decode\n');
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      void (async () => {
        try {
          const { payloads } = JSON.parse(body) as { payloads: JsonPayload[] };
          const input = (payloads ?? []).map(payloadFromJson);
          const output = route === '/encode' ? await codec.encode(input) : await codec.decode(input);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ payloads: output.map(payloadToJson) }));
        } catch (err) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
        }
      })();
    });
  });
}
