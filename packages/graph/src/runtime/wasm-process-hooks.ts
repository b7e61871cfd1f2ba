// tfjs-backend-wasm's Emscripten module, when it starts under Node, adds process handlers of its own:
// `uncaughtException` rethrows anything that is not its ExitStatus and `unhandledRejection` throws the reason. A throw
// inside those handlers makes Node exit with code 7 and print the handler's source line: the whole minified module
// (~39 KB) instead of the application's stack. The handlers are removed once the module is up, so an uncaught error
// in the application behaves as Node's default again (its stack, exit 1). The module's `quit` is only reached through
// Emscripten's exit(), which tfjs's kernels never call (aborts go to tfjs's own onAbort).

type Event = 'uncaughtException' | 'unhandledRejection';
const EVENTS: readonly Event[] = ['uncaughtException', 'unhandledRejection'];

/** The shapes of the two handlers in tfjs-backend-wasm 4.x's generated module, from their source text. */
function isEmscriptenHandler(event: Event, listener: (...args: unknown[]) => void): boolean {
  const source = Function.prototype.toString.call(listener);
  return event === 'uncaughtException'
    ? /instanceof ExitStatus/.test(source)
    : /^function\s*\(\s*reason\s*\)\s*\{\s*throw reason\s*;?\s*\}$/.test(source);
}

/** Runs `start` (which instantiates the wasm module) and removes the handlers the module added meanwhile. */
export async function withoutEmscriptenHandlers<T>(start: () => Promise<T>): Promise<T> {
  if (typeof process === 'undefined' || typeof process.listeners !== 'function') return start();
  const listeners = (e: Event): ((...args: unknown[]) => void)[] =>
    (process.listeners as (e: string) => ((...args: unknown[]) => void)[])(e);
  const before = new Map(EVENTS.map((e) => [e, new Set(listeners(e))]));
  try {
    return await start();
  } finally {
    for (const event of EVENTS) {
      for (const listener of listeners(event)) {
        if (!before.get(event)!.has(listener) && isEmscriptenHandler(event, listener)) {
          process.removeListener(event, listener);
        }
      }
    }
  }
}
