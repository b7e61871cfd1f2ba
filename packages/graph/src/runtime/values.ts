// What flows between kernels: tfjs tensors, and references to variables (a VariableV2's ref output, a VarHandleOp's
// resource handle). Variables live in the session's VariableStore, which owns (keeps) their tensors.
import * as tf from '@tensorflow/tfjs-core';
import type { ShapeLike } from '../attrs.js';
import { GraphError } from '../errors.js';
import type { NodeDef } from '../graph.js';
import { changed, floatView, sharers } from './in-place.js';

export interface VarRef {
  readonly kind: 'ref' | 'resource';
  /** `container/shared_name` (the node name when shared_name is empty). */
  readonly key: string;
  readonly dtype: number;
  readonly shape: ShapeLike;
  /** The VariableV2 / VarHandleOp node. */
  readonly node: string;
}

/**
 * The value of a tensor on the branch a Switch did not take (TensorFlow's "dead" tensors): ops fed one produce dead
 * outputs without running, and Merge forwards its first live input.
 */
export interface Dead {
  readonly kind: 'dead';
}
export const DEAD: Dead = Object.freeze({ kind: 'dead' as const });

/**
 * What a non-tensor handle points at: a TensorArray or a stack (mutable, per run) or a TensorList (a variant value).
 * Their element tensors are kept for the run (`VariableStore.keepForRun`).
 */
export interface Opaque {
  readonly kind: 'opaque';
  readonly type: 'TensorArray' | 'TensorList' | 'Stack';
  readonly data: unknown;
}

export type Value = tf.Tensor | VarRef | Dead | Opaque;

export function isRef(v: Value): v is VarRef {
  return !(v instanceof tf.Tensor) && (v.kind === 'ref' || v.kind === 'resource');
}

export function isOpaque(v: Value): v is Opaque {
  return !(v instanceof tf.Tensor) && v.kind === 'opaque';
}

export function isTensor(v: Value): v is tf.Tensor {
  return v instanceof tf.Tensor;
}

export function isDead(v: Value): v is Dead {
  return v === DEAD;
}

/**
 * A float32 variable kept in host memory (a Float32Array in the JS heap) instead of the backend's: on the WebAssembly
 * backend the 4 GiB heap then holds only what a step computes (issue 11: a VGG-16 step at batch 8 peaks at 1.9 GB of
 * tensors). Reads share one uploaded copy until the value changes; optimizers update `data` itself
 * (kernels/training.ts), Save reads it.
 */
interface HostValue {
  data: Float32Array;
  shape: number[];
  /**
   * The backend copy reads get: uploaded by the first read since the value changed, freed when the value changes
   * (or when the run ends, past HOST_COPY_CACHE_BYTES of such copies).
   */
  copy: tf.Tensor | undefined;
}

/** Uploaded copies of unchanged host values kept between runs, at most (bytes): VGG-16's weights are 553 MB. */
export const HOST_COPY_CACHE_BYTES = 1024 ** 3;

/** Whether a float32 value of this many bytes is kept in host memory (SessionOptions.hostVariables decides). */
export type HostPolicy = (bytes: number) => boolean;

export class VariableStore {
  private readonly values = new Map<string, tf.Tensor>();
  private readonly host = new Map<string, HostValue>();
  private readonly held = new Set<tf.Tensor>();
  /**
   * Values replaced during a run: a ReadVariableOp's output is the stored tensor itself, and an op later in the same
   * run may still use it (TensorFlow's copy-on-write gives it the old value), so they are freed when the run ends.
   */
  private readonly retired: tf.Tensor[] = [];
  private readonly runScoped: tf.Tensor[] = [];
  /**
   * Set by the outermost run while it executes a plain (loop-free) plan: whether the run still holds `t` in a slot
   * for a later op. Undefined (nested function calls, v1 loops): nothing may be freed early or written in place.
   */
  private users: ((t: tf.Tensor) => boolean) | undefined;

  constructor(private readonly hostPolicy: HostPolicy = () => false) {}

  /** The run that may free replaced values early and update unread ones in place (undefined: none may). */
  setRunUsers(users: ((t: tf.Tensor) => boolean) | undefined): ((t: tf.Tensor) => boolean) | undefined {
    const outer = this.users;
    this.users = users;
    return outer;
  }

  has(key: string): boolean {
    return this.values.has(key) || this.host.has(key);
  }

  /** The variable's current value; TensorFlow's uninitialized-read error when it has none. */
  read(ref: VarRef, user: string): tf.Tensor {
    const h = this.host.get(ref.key);
    if (h) return h.copy ?? this.upload(h);
    const v = this.values.get(ref.key);
    if (v) return v;
    const msg =
      ref.kind === 'ref'
        ? `Attempting to use uninitialized value ${ref.node}`
        : `Error while reading resource variable ${ref.node}: this could mean that the variable was uninitialized`;
    throw new GraphError('UNINITIALIZED', msg, { node: user });
  }

  /** The variable's shape, without uploading a host-resident value. */
  shapeOf(ref: VarRef, user: string): number[] {
    return this.host.get(ref.key)?.shape ?? this.read(ref, user).shape;
  }

  /** A host-resident variable's values (read them, do not keep them: the store may write them), else undefined. */
  hostData(ref: VarRef): { data: Float32Array; shape: number[] } | undefined {
    return this.host.get(ref.key);
  }

  private upload(h: HostValue): tf.Tensor {
    // the WebAssembly backend copies what it is given into its heap; the CPU backend would keep `data` itself
    const data = tf.getBackend() === 'wasm' ? h.data : h.data.slice();
    const t = tf.keep(tf.tensor(data, h.shape, 'float32'));
    this.held.add(t);
    h.copy = t;
    return t;
  }

  /** Stores a copy of `value` (the caller keeps ownership of `value`). */
  assign(ref: VarRef, value: tf.Tensor, validateShape: boolean, user: string): void {
    const oldShape = this.host.get(ref.key)?.shape ?? this.values.get(ref.key)?.shape;
    if (validateShape && oldShape && !sameShape(oldShape, value.shape)) {
      throw new GraphError('KERNEL', `assigning shape [${value.shape}] to ${ref.node} of shape [${oldShape}]`, {
        node: user,
      });
    }
    if (ref.shape && validateShape && !shapeFits(ref.shape, value.shape)) {
      throw new GraphError('KERNEL', `assigning shape [${value.shape}] to ${ref.node} declared [${ref.shape}]`, {
        node: user,
      });
    }
    if (this.toHost(ref, value)) return;
    const old = this.values.get(ref.key);
    const stored = tf.keep(tf.clone(value));
    this.values.set(ref.key, stored);
    this.held.add(stored);
    if (old) this.retire(old);
  }

  /**
   * Copies `value` out to host memory when the policy keeps it there (float32, large enough): true when it did.
   * A variable that no longer qualifies (another dtype or size) leaves host memory.
   */
  private toHost(ref: VarRef, value: tf.Tensor): boolean {
    const h = this.host.get(ref.key);
    if (value.dtype !== 'float32' || !this.hostPolicy(value.size * 4)) {
      if (h) {
        this.host.delete(ref.key);
        this.dropCopy(h);
      }
      return false;
    }
    const src = floatView(value) ?? (value.dataSync() as Float32Array);
    if (h && h.data.length === src.length) {
      h.data.set(src);
      h.shape = [...value.shape];
      this.dropCopy(h);
    } else {
      if (h) this.dropCopy(h);
      this.host.set(ref.key, { data: new Float32Array(src), shape: [...value.shape], copy: undefined });
    }
    const old = this.values.get(ref.key);
    if (old) {
      this.values.delete(ref.key);
      this.retire(old);
    }
    return true;
  }

  /** A host-resident value is about to change (or leave): the run's reads keep the old copy, later reads upload. */
  private dropCopy(h: HostValue): void {
    const copy = h.copy;
    h.copy = undefined;
    if (copy) this.retire(copy);
  }

  /**
   * Stores `value` itself, no copy: for kernels handing over a tensor they just computed and nobody else holds (an
   * optimizer's new value). Shapes are the caller's to check.
   */
  adopt(ref: VarRef, value: tf.Tensor): void {
    // a host-resident variable copies the values out (the kernel's tidy frees `value`)
    if (this.toHost(ref, value)) return;
    const old = this.values.get(ref.key);
    if (old === value) return;
    this.values.set(ref.key, tf.keep(value));
    this.held.add(value);
    if (old) this.retire(old);
  }

  /**
   * The variable's float32 storage to update in place, when nothing else can see the change: no slot of the run
   * holds its value for a later op and no other tensor shares its storage. Undefined otherwise (the caller computes
   * a new value and adopts it).
   */
  writable(ref: VarRef, user: string): Float32Array | undefined {
    const h = this.host.get(ref.key);
    // host memory is the store's own: reads of the run hold their uploaded copy, which `changing` lets go
    if (h) return h.data;
    const v = this.read(ref, user);
    if (!this.users || this.users(v) || sharers(v) !== 1) return undefined;
    return floatView(v);
  }

  /**
   * Called after `writable` gave views of all the variables a kernel updates and before it writes them: the backend's
   * caches of a heap value are dropped; a host value's uploaded copy is let go (the run's readers keep the old values).
   */
  changing(ref: VarRef): void {
    const h = this.host.get(ref.key);
    if (h) this.dropCopy(h);
    else {
      const v = this.values.get(ref.key);
      if (v) changed(v);
    }
  }

  private retire(old: tf.Tensor): void {
    this.held.delete(old);
    // nothing of the run reads it any more: free it now (a tensor sharing its storage keeps the storage alive)
    if (this.users && !this.users(old)) old.dispose();
    else this.retired.push(old);
  }

  /** Frees the values replaced since the last call (the session calls it when a run ends), except `keep`'s. */
  releaseRetired(keep?: ReadonlySet<tf.Tensor>): void {
    // Uploaded copies of host values the run did not change stay for the next run, up to HOST_COPY_CACHE_BYTES: they
    // were live through this run anyway, and a model run again and again (inference, a frozen backbone's features)
    // would otherwise upload every weight each run. A changed value's copy went when it changed.
    let cached = 0;
    for (const h of this.host.values()) {
      if (!h.copy) continue;
      cached += h.data.byteLength;
      if (cached > HOST_COPY_CACHE_BYTES) this.dropCopy(h);
    }
    for (const t of this.retired.splice(0)) if (!keep?.has(t)) t.dispose();
    for (const t of this.runScoped.splice(0)) {
      this.held.delete(t);
      if (!keep?.has(t)) t.dispose();
    }
  }

  /**
   * Keeps `t` until the outermost run ends (TensorArray / TensorList / stack elements: they outlive the kernel that
   * wrote them and may cross function calls). Give it a tensor of its own (`tf.clone` shares the data).
   */
  keepForRun<T extends tf.Tensor>(t: T): T {
    tf.keep(t);
    this.held.add(t);
    this.runScoped.push(t);
    return t;
  }

  holds(t: tf.Tensor): boolean {
    return this.held.has(t);
  }

  keys(): string[] {
    return [...this.values.keys(), ...this.host.keys()];
  }

  dispose(): void {
    this.releaseRetired();
    for (const t of this.values.values()) t.dispose();
    this.values.clear();
    this.host.clear();
    this.held.clear();
  }
}

/** Equal dims, in the same order. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function shapeFits(decl: readonly number[], actual: readonly number[]): boolean {
  return decl.length === actual.length && decl.every((d, i) => d < 0 || d === actual[i]);
}

export interface RunState {
  vars: VariableStore;
  /**
   * Whether the running kernel may overwrite input `t`: this run made it, nothing else shares its storage, and no
   * later op reads it. Undefined where the run cannot tell (v1 loops, nested function runs' callers).
   */
  consumable?: ((t: tf.Tensor) => boolean) | undefined;
}

/** A compiled kernel: attrs parsed once at plan time; gets its inputs (refs not dereferenced) and returns outputs. */
export type Step = (inputs: Value[], state: RunState) => Value[];
export type KernelFactory = (node: NodeDef, ctx: CompileContext) => Step;

export interface CompileContext {
  /** Registers a tensor the compiled kernel keeps for the session's lifetime (a Const's value); disposed on close. */
  keep<T extends tf.Tensor>(t: T): T;
  /**
   * A runner for a function of the graph's library (planned now, so ops it cannot run are named at plan time):
   * arguments in, results out, variables shared with the calling session.
   */
  callFunction(name: string, user: string): (args: Value[]) => Value[];
}
