// A progress bar on stderr for long work (convert, verify, diff, merge), only when stderr is a terminal: piped or
// redirected output stays exactly what the command prints. cli-progress draws it (one small dependency, throttled
// redraws, clears its line when done); it is loaded only when a bar is shown.
import type { SingleBar } from 'cli-progress';

export interface Progress {
  /** Marks `n` more items done. */
  tick(n?: number): void;
  /** Removes the bar. */
  stop(): void;
}

const NONE: Progress = { tick() {}, stop() {} };

/** Below this many items a bar would only flicker. */
const MIN_ITEMS = 8;

/** A bar counting `total` items of `label`, or a no-op when stderr is not a terminal. */
export async function startProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream | undefined,
): Promise<Progress> {
  if (!stream?.isTTY || total < MIN_ITEMS) return NONE;
  // a CommonJS module: its exports are the default export under ESM
  const loaded = await import('cli-progress');
  const cliProgress = (loaded as unknown as { default?: typeof loaded }).default ?? loaded;
  const bar: SingleBar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {value}/{total} tensors {percentage}% {eta_formatted}`,
      clearOnComplete: true,
      hideCursor: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  let done = 0;
  return {
    tick(n = 1) {
      done += n;
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}
