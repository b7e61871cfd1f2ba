// Session: run(fetches, feeds) on TensorFlow.js kernels. Plans are cached per (fetches, feed names) and rebuilt when
// the graph changes. Intermediate tensors are disposed right after their last use, so peak memory stays close to
// calling the same tfjs ops by hand. A kernel the active backend lacks runs on the CPU backend (remembered per op).
import * as tf from '@tensorflow/tfjs-core';
import { read } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { Graph, NodeDef } from '../graph.js';
import { canonicalTensor, parseInput } from '../names.js';
import { opDefaults, outputTypes, validateNodeAttrs } from '../ops/op-registry.js';
import { type BackendName, initBackend, isMissingKernel, onCpu } from './backend.js';
import { activeBackendName, onActiveBackend, onBackend, restoreBackend } from './backend-scope.js';
import { runFrames } from './control-flow/frame-executor.js';
import { FoldCache } from './fold.js';
import { type FunctionBody, findFunction, functionBody } from './functions.js';
import { KERNELS } from './kernels/index.js';
import { defaultMemoryBudget, type Tracker, trackBackend, withMemoryBudget } from './memory-budget.js';
import { buildPlan, type Plan } from './plan.js';
import { formatProfile, Profiler, type RunProfile } from './profile.js';
import { requireTfjsDtype, tfjsDtype } from './tensor-proto.js';
import {
  type CompileContext,
  DEAD,
  isDead,
  isRef,
  isTensor,
  type RunState,
  type Step,
  type Value,
  VariableStore,
} from './values.js';

export type FeedValue = tf.Tensor | tf.TensorLike;
export type Fetches = string | readonly string[] | Readonly<Record<string, string>>;
export type FetchResult<F> = F extends string
  ? tf.Tensor | null
  : F extends readonly string[]
    ? (tf.Tensor | null)[]
    : { [K in keyof F]: tf.Tensor | null };

export interface SessionOptions {
  /** Force a backend (default: tfjs-node if installed, else wasm, else cpu). */
  backend?: BackendName;
  /**
   * Live tensor bytes allowed while a run allocates (memory-budget.ts): past it, OUT_OF_MEMORY naming the node.
   * Default: what the backend can really hold (the WebAssembly heap's 4 GiB cap less 256 MiB).
   */
  memoryBudget?: number;
  /**
   * Threads of the WebAssembly backend; 1 turns threading off. Default: `TENSORGRAFT_WASM_THREADS` when set, else the
   * machine's available parallelism. Only the first session to start the backend sets it (one module per process).
   */
  wasmThreads?: number;
  /**
   * Run Conv2D / DepthwiseConv2dNative / MatMul + BiasAdd (+ Relu, Relu6, Elu) as one fused kernel where nothing else
   * in the run reads the intermediates, and fold an inference FusedBatchNorm on constants or variables into the conv
   * before it (fusion.ts). Default true.
   */
  fuse?: boolean;
  /**
   * Fold constants at run time: a pure op (shape arithmetic, reshapes, casts) whose inputs are the constants or
   * folded outputs of its last run, or that reads only the shape of an input of the same shape, gives its last
   * outputs without running its kernel (fold.ts). Default true.
   */
  foldConstants?: boolean;
  /**
   * Keep float32 variables (and optimizer slots) in host memory, outside the backend, so the backend's memory holds
   * only what a run computes: reads upload a copy that lives until the value changes or the run ends, optimizers
   * update the host values in place (values.ts). true: every float32 variable; false: none. Default: on the
   * WebAssembly backend (whose heap is capped at 4 GiB), variables of at least 4 MiB.
   */
  hostVariables?: boolean;
  /**
   * Time every kernel and print, to stderr after each run, a table of op types: count, total ms, % of the run
   * (profile.ts); `lastRunProfile` holds it. Default: `TENSORGRAFT_PROFILE=1` in the environment.
   */
  profile?: boolean;
}

/** The default's threshold of SessionOptions.hostVariables: smaller variables are read often and cost little heap. */
export const HOST_VARIABLE_MIN_BYTES = 4 * 1024 * 1024;

/** Live bytes of the session's backend (all its tensors: the run's, variables, constants, the caller's) in one run. */
export interface RunMemory {
  /** Before the run: feeds it uploads to the backend count as the run's allocations. */
  startBytes: number;
  /** The most at any allocation during the run, a kernel's scratch tensors included. */
  peakBytes: number;
  /** After the run released its intermediates; the fetched tensors it hands back are still counted. */
  endBytes: number;
}

/** Function bodies nest at most this deep (a function calling itself would otherwise plan forever). */
const MAX_FUNCTION_DEPTH = 32;

interface Parent {
  variables: VariableStore;
  backend: BackendName | undefined;
  depth: number;
}

export class Session {
  readonly graph: Graph;
  readonly variables: VariableStore;
  private readonly options: SessionOptions;
  private readonly depth: number;
  private readonly ownsVariables: boolean;
  private readonly functions = new Map<string, { session: Session; body: FunctionBody }>();
  private readonly plans = new Map<string, Plan>();
  private readonly compiled = new Map<string, Step>();
  private readonly kept = new Set<tf.Tensor>();
  private readonly folds = new FoldCache({
    has: (t) => this.kept.has(t),
    keep: (t) => {
      tf.keep(t);
      this.kept.add(t);
    },
    drop: (t) => {
      this.kept.delete(t);
      t.dispose();
    },
  });
  private readonly cpuOps = new Set<string>();
  private backendName: BackendName | undefined;
  private tracker: Tracker | undefined;
  private closed = false;
  /** Memory of the last run (`run`, `runSync`) of this session; undefined before the first. */
  lastRunMemory: RunMemory | undefined;
  /** Kernel time by op type of the last run, when SessionOptions.profile is on. */
  lastRunProfile: RunProfile | undefined;
  private profiler: Profiler | undefined;

  /** `parent` is internal: function bodies run in child sessions that share the caller's variables. */
  constructor(graph: Graph, options: SessionOptions = {}, parent?: Parent) {
    this.graph = graph;
    this.options = options;
    const host = options.hostVariables;
    if (host !== undefined && typeof host !== 'boolean') {
      throw new GraphError('INVALID_ARGUMENT', `SessionOptions.hostVariables must be a boolean, got ${String(host)}`);
    }
    this.variables =
      parent?.variables ??
      new VariableStore((bytes) => host ?? (this.backendName === 'wasm' && bytes >= HOST_VARIABLE_MIN_BYTES));
    this.ownsVariables = parent === undefined;
    this.depth = parent?.depth ?? 0;
    this.backendName = parent?.backend;
  }

  /** The backend in use (after the first run or `ready()`). */
  get backend(): BackendName | undefined {
    return this.backendName;
  }

  /** Op types that ran on the CPU backend because the active backend lacks a kernel they need. */
  get cpuFallbackOps(): string[] {
    return [...this.cpuOps].sort();
  }

  /** Chooses and initializes the backend; the application's active backend (if it had one) stays active. */
  async ready(): Promise<BackendName> {
    if (this.backendName === undefined) {
      const users = activeBackendName();
      const { backend, wasmThreads } = this.options;
      this.backendName = await initBackend(backend, wasmThreads === undefined ? {} : { wasmThreads });
      // the memory budget counts its allocations; lastRunMemory reads the count
      this.tracker = trackBackend(tf.findBackend(this.backendName) ?? tf.backend());
      await restoreBackend(users);
    }
    return this.backendName;
  }

  /**
   * Runs the graph. A fetch with `:k` (`y:0`) gives that tensor; a name without one (`init`, `save/restore_all`) runs
   * the op as a target and gives null, as TensorFlow's Session.run gives None. Feeds are keyed by tensor name. The
   * caller owns (and disposes) the returned tensors.
   */
  async run<F extends Fetches>(fetches: F, feeds: Readonly<Record<string, FeedValue>> = {}): Promise<FetchResult<F>> {
    await this.ready();
    return this.runSync(fetches, feeds);
  }

  /** `run` without waiting for the backend (call `ready()` first). */
  runSync<F extends Fetches>(fetches: F, feeds: Readonly<Record<string, FeedValue>> = {}): FetchResult<F> {
    const list: string[] =
      typeof fetches === 'string' ? [fetches] : Array.isArray(fetches) ? [...fetches] : Object.values(fetches);
    const run = () =>
      this.execute(
        list,
        Object.entries(feeds).map(([name, value]) => [canonicalTensor(name), value]),
        false,
      ) as (tf.Tensor | null)[];
    // on the session's backend, the application's own left active around it
    const results = this.backendName === undefined ? run() : onBackend(this.backendName, run);
    if (typeof fetches === 'string') return results[0] as FetchResult<F>;
    if (Array.isArray(fetches)) return results as FetchResult<F>;
    const keys = Object.keys(fetches);
    return Object.fromEntries(keys.map((k, i) => [k, results[i]])) as FetchResult<F>;
  }

  /**
   * For function calls: feeds and fetches are executor values (tensors or variable references), fed tensors stay the
   * caller's, and a fetched variable reference is handed back as it is.
   * @internal
   */
  runValues(fetches: readonly string[], feeds: readonly [string, Value][]): (Value | null)[] {
    return this.execute([...fetches], feeds, true);
  }

  private execute(list: string[], feeds: readonly [string, FeedValue | Value][], raw: boolean): (Value | null)[] {
    if (this.closed) throw new GraphError('INVALID_ARGUMENT', 'the session is closed');
    const plan = this.plan(
      list,
      feeds.map(([k]) => k),
    );
    const startId = nextTensorId();
    const profiling = this.options.profile ?? process.env.TENSORGRAFT_PROFILE === '1';
    // a function body's run (depth > 0) is timed as its caller's op
    const outerProfiler = this.profiler;
    this.profiler = profiling ? new Profiler() : undefined;
    const tracker = this.tracker;
    let memory: { startBytes: number; outerPeak: number } | undefined;
    const values: (Value | undefined)[] = new Array(plan.slots);
    const counts = new Map<tf.Tensor, number>();
    const callerTensors = new Set<tf.Tensor>();
    const owned = (t: tf.Tensor) =>
      t.id >= startId && !callerTensors.has(t) && !this.kept.has(t) && !this.variables.holds(t);
    const put = (slot: number, v: Value) => {
      values[slot] = v;
      if (isTensor(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
    };
    const returned = new Set<tf.Tensor>();
    let outerUsers: ((t: tf.Tensor) => boolean) | undefined;
    let usersSet = false;
    const release = (slot: number) => {
      const v = values[slot];
      values[slot] = undefined;
      if (v === undefined || !isTensor(v)) return;
      const c = (counts.get(v) ?? 1) - 1;
      if (c > 0) counts.set(v, c);
      else {
        counts.delete(v);
        if (owned(v) && !returned.has(v)) v.dispose();
      }
    };
    // the count's peak restarts here; an enclosing run (this one is a function body's) gets its own back at the end
    if (tracker) {
      memory = { startBytes: tracker.live, outerPeak: tracker.peak };
      tracker.peak = tracker.live;
    }
    try {
      for (const [key, value] of feeds) {
        const v = raw ? (value as Value) : this.feedTensor(key, value as FeedValue);
        if (isTensor(v) && (raw || v === value)) callerTensors.add(v);
        put(plan.feeds.get(key)!, v);
      }
      const state: RunState = { vars: this.variables };
      // the outermost run of a loop-free plan knows every tensor it still holds: a variable's replaced value can be
      // freed at once and an optimizer may update an unread variable in place (a nested run knows only its own)
      outerUsers = this.variables.setRunUsers(
        this.ownsVariables && !plan.frames ? (t: tf.Tensor) => counts.has(t) || returned.has(t) : undefined,
      );
      usersSet = true;
      if (plan.frames) {
        // v1 loops: the frame executor schedules by readiness (control-flow/frame-executor.ts)
        const got = runFrames(plan.frames, {
          exec: (step, inputs) => this.exec(step, inputs, state),
          owned,
          feed: (key) => values[plan.feeds.get(key)!]!,
        });
        for (const [i, f] of list.entries()) {
          const v = f.includes(':') ? got.get(canonicalTensor(f)) : undefined;
          if (v !== undefined && values[plan.fetches[i]!] === undefined) put(plan.fetches[i]!, v);
        }
      }
      const fold = this.options.foldConstants ?? true;
      const dead = plan.frames ? undefined : plan.hasDeadFlow ? new Uint8Array(plan.steps.length) : undefined;
      for (const [index, step] of (plan.frames ? [] : plan.steps).entries()) {
        const inputs = step.inputs.map((s) => values[s]!);
        let out: Value[];
        // a ControlTrigger is never dead (TensorFlow's is_control_trigger)
        const trigger = step.node.op === 'ControlTrigger';
        if (dead && !step.merge && !trigger && (inputs.some(isDead) || step.controlSteps.some((c) => dead[c]))) {
          // an op on the branch not taken: dead outputs, no kernel
          dead[index] = 1;
          out = step.outputs.map(() => DEAD);
        } else {
          // an input may be overwritten when every slot that holds it is released after this step
          state.consumable = (t) => {
            if (!owned(t) || returned.has(t)) return false;
            let held = 0;
            for (const s of step.release) if (values[s] === t) held++;
            return held === counts.get(t);
          };
          const key = fold ? this.folds.key(step.node.op, inputs) : undefined;
          const folded = key && this.folds.lookup(step.run, key);
          if (folded) out = folded;
          else {
            out = this.exec(step, inputs, state);
            if (key) this.folds.store(step.run, key, out);
          }
          state.consumable = undefined;
        }
        for (let k = 0; k < out.length; k++) {
          const slot = step.outputs[k] ?? -1;
          const v = out[k]!;
          if (slot >= 0) put(slot, v);
          else if (isTensor(v) && !counts.has(v) && owned(v)) v.dispose();
        }
        for (const s of step.release) release(s);
      }
      return plan.fetches.map((slot, i) => {
        if (slot < 0) return null;
        const v = values[slot];
        if (v === undefined) {
          throw new GraphError('NOT_FOUND', `fetch '${list[i]}' produced no value`, { node: list[i] });
        }
        if (isDead(v)) {
          if (raw) return v;
          throw new GraphError('KERNEL', `fetch '${list[i]}' is on a branch that was not taken (a dead tensor)`, {
            node: list[i],
          });
        }
        if (!isTensor(v) && !isRef(v)) {
          if (raw) return v;
          return null; // a TensorArray / TensorList / stack handle: nothing a caller can hold
        }
        if (isRef(v)) {
          if (raw) return v;
          if (v.kind === 'resource') return null;
          return tf.clone(this.variables.read(v, list[i]!));
        }
        // the caller gets tensors it may dispose: never a variable's, a constant's, its own fed tensor, or one
        // tensor twice
        if (owned(v) && !returned.has(v)) {
          returned.add(v);
          return v;
        }
        return tf.clone(v);
      });
    } catch (err) {
      // a failed run hands nothing back
      for (const t of returned) t.dispose();
      returned.clear();
      throw err;
    } finally {
      // whatever is still held (all of it after a failed run) is released; returned tensors are kept
      for (let s = 0; s < plan.slots; s++) if (values[s] !== undefined) release(s);
      // variable values replaced during the run are freed once nothing of the run can read them (function bodies
      // share the store: the outermost run frees); one handed back as a fetch is the caller's now
      if (usersSet) this.variables.setRunUsers(outerUsers);
      if (this.ownsVariables) this.variables.releaseRetired(returned);
      if (this.profiler) {
        this.lastRunProfile = this.profiler.finish();
        if (this.depth === 0) process.stderr.write(`${formatProfile(this.lastRunProfile)}\n`);
      }
      this.profiler = outerProfiler;
      if (tracker && memory) {
        this.lastRunMemory = { startBytes: memory.startBytes, peakBytes: tracker.peak, endBytes: tracker.live };
        tracker.peak = Math.max(memory.outerPeak, tracker.peak);
      }
    }
  }

  private exec(step: Plan['steps'][number], inputs: Value[], state: { vars: VariableStore }): Value[] {
    const node = step.node;
    const budget = this.options.memoryBudget ?? defaultMemoryBudget(this.backendName);
    const attempt = () =>
      withMemoryBudget(
        budget,
        node,
        () => tf.tidy(() => step.run(inputs, state) as unknown as tf.TensorContainer) as unknown as Value[],
      );
    const profiler = this.profiler;
    const timed = profiler ? () => profiler.time(node.op, attempt) : attempt;
    try {
      if (step.cpu) return onCpu(timed);
      try {
        return timed();
      } catch (err) {
        if (!isMissingKernel(err)) throw err;
        step.cpu = true;
        this.cpuOps.add(node.op);
        return onCpu(timed);
      }
    } catch (err) {
      if (err instanceof GraphError) throw err;
      throw new GraphError('KERNEL', `${node.op} failed: ${(err as Error).message}`, { node: node.name, cause: err });
    }
  }

  /**
   * The nodes a run of `fetches` with `feedNames` fed executes, in order, after fusion: a fused node has the op
   * TensorFlow's grappler gives it (`_FusedConv2D`) and its `fused_ops` (`['FusedBatchNorm', 'Relu']`).
   */
  planNodes(fetches: Fetches, feedNames: readonly string[] = []): { name: string; op: string; fusedOps: string[] }[] {
    const list =
      typeof fetches === 'string' ? [fetches] : Array.isArray(fetches) ? [...fetches] : Object.values(fetches);
    const plan = this.plan(list, feedNames.map(canonicalTensor));
    return plan.steps.map(({ node }) => ({
      name: node.name,
      op: node.op,
      fusedOps: node.attr.fused_ops ? read.listS(node, 'fused_ops') : [],
    }));
  }

  private plan(fetches: string[], feedKeys: string[]): Plan {
    const key = `${fetches.join('\u0000')}\u0001${[...feedKeys].sort().join('\u0000')}`;
    const cached = this.plans.get(key);
    if (cached && cached.graphVersion === this.graph.version) return cached;
    const fuse = this.options.fuse ?? true;
    const plan = buildPlan(this.graph, fetches, feedKeys, (n) => this.compile(n), this.cpuOps, fuse, {
      keep: (t) => this.compileContext().keep(t),
      drop: (t) => {
        this.kept.delete(t);
        t.dispose();
      },
    });
    this.plans.set(key, plan);
    return plan;
  }

  private compile(node: NodeDef): Step {
    let step = this.compiled.get(node.name);
    if (step && this.graph.node(node.name) === node) return step;
    // attrs are checked here, not on load: a graph keeps attrs it cannot run until someone runs them
    validateNodeAttrs(node);
    const factory = KERNELS[node.op]!;
    step = factory(node, this.compileContext());
    this.compiled.set(node.name, step);
    return step;
  }

  private compileContext(): CompileContext {
    return {
      keep: (t) => {
        tf.keep(t);
        this.kept.add(t);
        return t;
      },
      callFunction: (name, user) => this.functionRunner(name, user),
    };
  }

  private functionRunner(name: string, user: string): (args: Value[]) => Value[] {
    let fn = this.functions.get(name);
    if (!fn) {
      if (this.depth >= MAX_FUNCTION_DEPTH) {
        throw new GraphError(
          'UNSUPPORTED_OP',
          `functions nest deeper than ${MAX_FUNCTION_DEPTH} (recursion?) at '${name}'`,
          {
            node: user,
          },
        );
      }
      const body = functionBody(findFunction(this.graph.library, name, user), user);
      body.graph.library = this.graph.library;
      const session = new Session(body.graph, this.options, {
        variables: this.variables,
        backend: this.backendName,
        depth: this.depth + 1,
      });
      fn = { session, body };
      this.functions.set(name, fn);
      try {
        // plan (and compile) the body now: an op it cannot run is named before any kernel runs
        session.plan(body.outputs, body.inputs);
      } catch (err) {
        this.functions.delete(name);
        if (err instanceof GraphError) {
          throw new GraphError(err.code, `in function ${name}: ${err.message}`, { node: user, cause: err });
        }
        throw err;
      }
    }
    const { session, body } = fn;
    return (args) => {
      if (args.length !== body.inputs.length) {
        throw new GraphError('KERNEL', `function ${name} takes ${body.inputs.length} arguments, got ${args.length}`, {
          node: user,
        });
      }
      return session.runValues(
        body.outputs,
        body.inputs.map((k, i) => [k, args[i]!] as [string, Value]),
      ) as Value[];
    };
  }

  private feedTensor(key: string, value: FeedValue): tf.Tensor {
    const ref = parseInput(key);
    const node = this.graph.node(ref.node)!;
    const types = outputTypes(node);
    const dt = types?.[ref.index];
    const want = dt === undefined ? undefined : tfjsDtype(dt);
    if (value instanceof tf.Tensor) {
      if (want && value.dtype !== want) {
        throw new GraphError('FEED', `cannot feed a ${value.dtype} tensor for '${key}' of dtype ${want}`, {
          node: node.name,
        });
      }
      checkFeedShape(node, key, value.shape);
      // a tensor of the application's backend is copied to the session's (the copy is the run's to dispose)
      return onActiveBackend(value);
    }
    const t = tf.tensor(
      value as tf.TensorLike,
      undefined,
      want ?? (dt === undefined ? undefined : requireTfjsDtype(dt, node.name)),
    );
    try {
      checkFeedShape(node, key, t.shape);
    } catch (err) {
      t.dispose();
      throw err;
    }
    return t;
  }

  /**
   * Sets a variable's value directly (a copy is stored): `name` is the VariableV2 or VarHandleOp node. For loading
   * weights from elsewhere; checkpoints go through the graph's own restore op.
   */
  assignVariable(name: string, value: tf.Tensor): void {
    const node = this.graph.requireNode(name);
    if (node.op !== 'VariableV2' && node.op !== 'VarHandleOp') {
      throw new GraphError('INVALID_ARGUMENT', `'${name}' is a ${node.op}, not a variable`, { node: name });
    }
    if (this.backendName !== undefined && activeBackendName() !== this.backendName) {
      onBackend(this.backendName, () => this.assignVariable(name, value));
      return;
    }
    const ref = KERNELS[node.op]!(node, this.compileContext())([], { vars: this.variables })[0]!;
    if (!isRef(ref)) throw new GraphError('KERNEL', `'${name}' gave no variable reference`, { node: name });
    const local = onActiveBackend(value);
    try {
      this.variables.assign(ref, local, true, name);
    } finally {
      if (local !== value) local.dispose();
    }
  }

  /** Disposes every variable value and cached constant. */
  close(): void {
    this.closed = true;
    for (const fn of this.functions.values()) fn.session.close();
    this.functions.clear();
    if (this.ownsVariables) this.variables.dispose();
    for (const t of this.kept) t.dispose();
    this.kept.clear();
    this.plans.clear();
    this.compiled.clear();
  }
}

function checkFeedShape(node: NodeDef, key: string, shape: readonly number[]): void {
  if (node.op !== 'Placeholder' || !read.has(node, 'shape', opDefaults('Placeholder'))) return;
  const want = read.shape(node, 'shape', opDefaults('Placeholder'));
  if (want === null) return;
  if (want.length !== shape.length || want.some((d, i) => d >= 0 && d !== shape[i])) {
    const fmt = (s: readonly number[]) => `(${s.map((d) => (d < 0 ? '?' : d)).join(', ')})`;
    throw new GraphError(
      'FEED',
      `Cannot feed value of shape ${fmt(shape)} for Tensor '${key}', which has shape ${fmt(want)}`,
      {
        node: node.name,
      },
    );
  }
}

/** The id the next tfjs tensor will get (ids only grow), so a run can tell its own tensors from older ones. */
function nextTensorId(): number {
  const state = (tf.engine() as unknown as { state?: { nextTensorId?: number } }).state;
  if (typeof state?.nextTensorId === 'number') return state.nextTensorId;
  const probe = tf.scalar(0);
  probe.dispose();
  return probe.id + 1;
}
