// `wrangler dev` through wrangler's own API (the function the CLI calls), for
// the gateway benchmark's second run: the same local workerd, the same
// ProxyWorker in front, but with the devtools inspector off. With the
// inspector on (the CLI always turns it on), every console call in a Worker
// is serialized and sent to the wrangler process over the inspector
// protocol, a development-only cost that deployed Workers do not pay.
//   node devserver.mjs <wrangler.toml> <port> <persist dir>
// Prints {"url": …} once ready; disposes of the Worker on SIGTERM.
import { unstable_startWorker } from 'wrangler';

const [config, port, persist] = process.argv.slice(2);
const worker = await unstable_startWorker({
  config,
  dev: { server: { hostname: '127.0.0.1', port: Number(port) }, inspector: false, persist, logLevel: 'warn', watch: false },
});
await worker.ready;
console.log(JSON.stringify({ url: String(await worker.url) }));
process.on('SIGTERM', () => worker.dispose().finally(() => process.exit(0)));
