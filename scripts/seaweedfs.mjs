// Starts a real SeaweedFS server (master, volume, filer and S3 gateway in one `weed server`) on free loopback ports
// for the storage tests, waits until S3 answers, creates a bucket, and stops it again.
//
//   import { startSeaweed } from '../../scripts/seaweedfs.mjs';
//   const s3 = await startSeaweed({ credentials: { accessKey: 'k', secretKey: 's' } });  // or anonymous
//   ... s3.endpoint, s3.bucket, s3.env (TENSORGRAFT_S3_ENDPOINT, AWS_* for child processes) ...
//   await s3.stop();
//
// As a program (interop tests): `node scripts/seaweedfs.mjs [--access-key K --secret-key S]` prints one JSON line
// {endpoint, bucket, env} once the bucket exists and serves until stdin closes or it gets SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

export const WEED = process.env.TENSORGRAFT_WEED ?? join(homedir(), '.cache', 'tensorgraft', 'weed');

/** A free TCP port whose +10000 (SeaweedFS's default gRPC offset) is below 65536. */
async function freePort() {
  for (;;) {
    const port = await new Promise((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
    if (port < 55000) return port;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts `weed server` in a fresh directory. With `credentials`, S3 requires SigV4 signatures by that key (an
 * identities file); without, it allows anonymous access.
 */
export async function startSeaweed({ credentials, bucket = 'tensorgraft', timeoutMs = 60_000 } = {}) {
  if (!existsSync(WEED)) {
    throw new Error(`SeaweedFS's weed is not built (${WEED} is missing): run scripts/build-seaweedfs.sh`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tg-seaweed-'));
  const [master, volume, filer, s3] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const args = [
    'server',
    `-dir=${dir}`,
    '-ip=127.0.0.1',
    '-ip.bind=127.0.0.1',
    `-master.port=${master}`,
    `-volume.port=${volume}`,
    `-filer.port=${filer}`,
    '-s3',
    `-s3.port=${s3}`,
    '-master.volumeSizeLimitMB=1024',
    '-volume.max=100',
  ];
  if (credentials) {
    const conf = join(dir, 's3.json');
    writeFileSync(
      conf,
      JSON.stringify({
        identities: [
          {
            name: 'tensorgraft',
            credentials: [{ accessKey: credentials.accessKey, secretKey: credentials.secretKey }],
            actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'],
          },
        ],
      }),
    );
    args.push(`-s3.config=${conf}`);
  }
  const child = spawn(WEED, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (d) => {
    log = (log + d).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${s3}`;
  const env = {
    TENSORGRAFT_S3_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    ...(credentials
      ? { AWS_ACCESS_KEY_ID: credentials.accessKey, AWS_SECRET_ACCESS_KEY: credentials.secretKey }
      : { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '' }),
  };
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (signal = 'SIGTERM') => {
    if (!exited) {
      child.kill(signal);
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when the S3 gateway answers and a bucket can be created (the filer behind it takes a moment longer).
  const bundleIo = await import(new URL('../packages/bundle-io/dist/index.js', import.meta.url).href);
  bundleIo.configureS3({
    endpoint,
    pathStyle: true,
    accessKeyId: credentials?.accessKey ?? '',
    secretAccessKey: credentials?.secretKey ?? '',
    attempts: 1,
    timeoutMs: 30_000,
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`weed server exited: ${log}`);
    try {
      await bundleIo.createBucket(`s3://${bucket}/`);
      // The first object write makes SeaweedFS allocate its volumes (seconds): do it now, not in a test's timeout.
      const sink = await bundleIo.resolveStore(`s3://${bucket}/.warmup`).create(`s3://${bucket}/.warmup`);
      await sink.write(new Uint8Array(1));
      await sink.commit();
      await bundleIo.resolveStore(`s3://${bucket}/.warmup`).remove(`s3://${bucket}/.warmup`);
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop('SIGKILL');
        throw new Error(`SeaweedFS S3 did not come up at ${endpoint} within ${timeoutMs} ms: ${err.message}\n${log}`);
      }
      await sleep(250);
    }
  }
  bundleIo.configureS3({ attempts: 4, timeoutMs: 60_000 });
  return { endpoint, bucket, env, dir, pid: child.pid, stop, kill: () => stop('SIGKILL') };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const accessKey = arg('--access-key');
  const secretKey = arg('--secret-key');
  const s3 = await startSeaweed({
    credentials: accessKey && secretKey ? { accessKey, secretKey } : undefined,
    bucket: arg('--bucket') ?? 'tensorgraft',
  });
  process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, env: s3.env })}\n`);
  const done = async () => {
    await s3.stop();
    process.exit(0);
  };
  process.stdin.on('end', done);
  process.stdin.resume();
  process.on('SIGTERM', done);
  process.on('SIGINT', done);
}
