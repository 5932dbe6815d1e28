import { intFlag, UsageError, type Command } from '../command';
import { createCodecServer } from '../codec-server';
import { AesGcmPayloadCodec, payloadSecrets } from '../../temporal/payload-codec';
import { loadPayloadKey } from '../../masking/vault/secrets';

// `govflow codec-server`: decodes encrypted payloads for the Temporal Web UI. Point the UI at it
// (Settings → Codec Server, or `temporal server start-dev --ui-codec-endpoint URL`).

export const codecServerCommand: Command = {
  name: 'codec-server',
  usage: 'codec-server [--port 8888] [--origin URL]',
  summary: 'serve /encode and /decode for the Temporal UI when GOVFLOW_PAYLOAD_KEY is set (Ctrl-C stops it)',
  options: {
    port: { type: 'string', arg: 'PORT', integer: { min: 0, max: 65535 }, description: 'port to listen on, on 127.0.0.1 (0: any free port)', default: '8888' },
    origin: { type: 'string', arg: 'URL', multiple: true, description: 'Temporal UI origin allowed to call it (CORS)', default: '$TEMPORAL_UI_URL, else http://localhost:8233' },
  },
  async run(ctx) {
    const secrets = payloadSecrets(loadPayloadKey(process.env));
    if (secrets.length === 0) throw new UsageError('codec-server needs GOVFLOW_PAYLOAD_KEY, the key the worker encrypts payloads with');
    const port = intFlag(ctx, 'port') ?? 8888;
    const flagged = ctx.flags.origin;
    const origins = Array.isArray(flagged) ? flagged.map(String) : [process.env.TEMPORAL_UI_URL ?? 'http://localhost:8233'];
    const server = createCodecServer(new AesGcmPayloadCodec(secrets), origins.map((o) => o.replace(/\/$/, '')));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    const address = server.address();
    const actual = typeof address === 'object' && address ? address.port : port;
    ctx.out(`govflow codec-server: http://127.0.0.1:${actual} (allowing ${origins.join(', ')}); Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
