// The executor for graphs with v1 loops, following TensorFlow's (common_runtime/propagator_state.cc): every value is
// tagged with a frame instance and an iteration. Enter moves a value into a child frame (created per parent frame,
// parent iteration and frame_name), NextIteration into the next iteration of its frame, Exit back to the parent.
// A node runs once per (frame, iteration) when all its inputs there have arrived; Merge runs on its first live
// input, or dead when every input that can arrive is dead (a NextIteration back edge never arrives in iteration 0).
// Dead values skip kernels as in conditionals; a dead NextIteration is dropped; a dead Exit reaches the parent only
// when its frame is done and the Exit never carried a live value (a loop inside a cond branch not taken).
// Loop invariants (Enter with is_constant) reach every iteration of their frame.
//
// parallel_iterations is honoured as TensorFlow does: an iteration starts only while fewer than that many of its
// frame's iterations are unfinished; a NextIteration arriving beyond that waits until the oldest one finishes.
// Kernels still run one at a time (this runtime is single-threaded), in first-ready order, so the bound is what keeps
// a loop's memory to a window of iterations: a loop of any length holds at most `parallel_iterations` iterations'
// values (plus what its TensorArrays/stacks keep), each tensor freed after its last consumer ran.
import type * as tf from '@tensorflow/tfjs-core';
import { GraphError } from '../../errors.js';
import type { PlanStep } from '../plan.js';
import { DEAD, isDead, isTensor, type Value } from '../values.js';
import type { FrameNode, FramePlan } from './frame-plan.js';

export interface FrameRunHooks {
  /** Runs one node's kernel (CPU fallback, error wrapping are the session's). */
  exec(step: PlanStep, inputs: Value[]): Value[];
  /** Whether the run owns `t` (may dispose it once nothing needs it). */
  owned(t: tf.Tensor): boolean;
  /** Fed values by tensor key. */
  feed(key: string): Value;
}

interface NodeState {
  inputs: Value[];
  /** Inputs (data and control) still to arrive; Merge: control inputs still to arrive. */
  waiting: number;
  deadControl: boolean;
  /** Merge: dead data inputs seen, and whether it has run in this iteration. */
  deadData: number;
  fired: boolean;
}

interface Iteration {
  n: number;
  nodes: Map<number, NodeState>;
  /** Queued nodes of this iteration plus child frames started in it. */
  outstanding: number;
}

interface Frame {
  name: string;
  parent: Frame | null;
  parentIter: number;
  parallel: number;
  iterations: Map<number, Iteration>;
  first: number;
  last: number;
  /** Enter values of the first iteration still to arrive. */
  pendingEnters: number;
  invariants: [FrameNode, Value][];
  children: Map<string, Frame>;
  /** NextIteration values waiting for iteration last + 1 (parallel_iterations reached). */
  deferred: [FrameNode, Value][];
  liveExits: Set<number>;
  deadExits: Set<number>;
}

interface Ready {
  node: FrameNode;
  frame: Frame;
  iter: Iteration;
  inputs: Value[];
  dead: boolean;
}

/** Runs a plan with loop frames; returns the fetched values (root frame) by fetch key. */
export function runFrames(plan: FramePlan, hooks: FrameRunHooks): Map<string, Value> {
  const refs = new Map<tf.Tensor, number>();
  // fed values are the session's to free when the run ends: a feed the session copied to its backend is owned, but
  // its consumers' states are made lazily, so counting them here would free it before its last consumer has held it
  const fed = new Set<Value>();
  const disposable = (t: tf.Tensor) => hooks.owned(t) && !fed.has(t);
  const hold = (v: Value) => {
    if (isTensor(v)) refs.set(v, (refs.get(v) ?? 0) + 1);
  };
  const drop = (v: Value | undefined) => {
    if (v === undefined || !isTensor(v)) return;
    const c = (refs.get(v) ?? 0) - 1;
    if (c > 0) refs.set(v, c);
    else {
      refs.delete(v);
      if (disposable(v)) v.dispose();
    }
  };
  const fetched = new Map<string, Value>();
  const queue: Ready[] = [];
  let head = 0;

  const newFrame = (name: string, parent: Frame | null, parentIter: number, parallel: number): Frame => {
    const f: Frame = {
      name,
      parent,
      parentIter,
      parallel,
      iterations: new Map(),
      first: 0,
      last: 0,
      pendingEnters: plan.enterCount.get(name) ?? 0,
      invariants: [],
      children: new Map(),
      deferred: [],
      liveExits: new Set(),
      deadExits: new Set(),
    };
    f.iterations.set(0, { n: 0, nodes: new Map(), outstanding: 0 });
    return f;
  };
  const root = newFrame('', null, 0, 1);
  root.pendingEnters = 0;

  const stateOf = (node: FrameNode, iter: Iteration, frame: Frame): NodeState => {
    let s = iter.nodes.get(node.index);
    if (!s) {
      const merge = node.role === 'merge';
      s = {
        inputs: new Array<Value>(node.step.inputs.length).fill(DEAD as Value),
        waiting: merge ? node.controlInputs : node.dataInputs + node.controlInputs,
        deadControl: false,
        deadData: 0,
        fired: false,
      };
      if (frame === root) {
        for (const [port, key] of node.fedInputs) {
          const v = hooks.feed(key);
          fed.add(v);
          hold(v);
          s.inputs[port] = v;
        }
      }
      iter.nodes.set(node.index, s);
    }
    return s;
  };

  const schedule = (node: FrameNode, frame: Frame, iter: Iteration, inputs: Value[], dead: boolean) => {
    iter.outstanding++;
    queue.push({ node, frame, iter, inputs, dead });
  };

  const mergeReady = (node: FrameNode, frame: Frame, iter: Iteration, s: NodeState) => {
    if (s.fired || s.waiting > 0) return;
    const live = s.inputs.findIndex((v) => !isDead(v));
    const expected = node.dataInputs - (iter.n === 0 ? node.backEdges : 0);
    if (live >= 0) {
      s.fired = true;
      const inputs = s.inputs.map((v, k) => (k === live ? v : DEAD));
      for (const [k, v] of s.inputs.entries()) if (k !== live) drop(v);
      s.inputs = [];
      schedule(node, frame, iter, inputs, false);
    } else if (s.deadData >= expected) {
      s.fired = true;
      s.inputs = [];
      schedule(node, frame, iter, [], true);
    }
  };

  /** One data value arriving at (node, port) in (frame, iteration). */
  const deliver = (to: number, port: number, v: Value, frame: Frame, iter: Iteration) => {
    const node = plan.nodes[to]!;
    const s = stateOf(node, iter, frame);
    if (node.role === 'merge') {
      if (s.fired) return; // a later input of a Merge that already ran in this iteration
      if (isDead(v)) s.deadData++;
      else if (!s.inputs.some((x) => !isDead(x))) {
        hold(v);
        s.inputs[port] = v;
      }
      mergeReady(node, frame, iter, s);
      return;
    }
    hold(v);
    s.inputs[port] = v;
    if (--s.waiting === 0) fire(node, frame, iter, s);
  };

  const control = (to: number, dead: boolean, frame: Frame, iter: Iteration) => {
    const node = plan.nodes[to]!;
    const s = stateOf(node, iter, frame);
    if (dead) s.deadControl = true;
    if (node.role === 'merge') {
      s.waiting--;
      mergeReady(node, frame, iter, s);
      return;
    }
    if (--s.waiting === 0) fire(node, frame, iter, s);
  };

  const fire = (node: FrameNode, frame: Frame, iter: Iteration, s: NodeState) => {
    iter.nodes.delete(node.index);
    // a ControlTrigger is never dead (TensorFlow's is_control_trigger): a gradient loop's f_sync / b_sync wait for
    // stack pushes and pops in cond branches, only one of which runs
    const dead = node.step.node.op !== 'ControlTrigger' && (s.deadControl || s.inputs.some(isDead));
    schedule(node, frame, iter, s.inputs, dead);
  };

  const iteration = (frame: Frame, n: number): Iteration => {
    const have = frame.iterations.get(n);
    if (have) return have;
    const it: Iteration = { n, nodes: new Map(), outstanding: 0 };
    frame.iterations.set(n, it);
    frame.last = n;
    for (const [enter, v] of frame.invariants) send(enter, 0, v, frame, it);
    return it;
  };

  /** A node's output k (or control signal) to its consumers in (frame, iteration). */
  const send = (node: FrameNode, k: number, v: Value, frame: Frame, iter: Iteration) => {
    for (const e of node.out[k] ?? []) deliver(e.node, e.port, v, frame, iter);
  };

  const childFrame = (node: FrameNode, frame: Frame, iter: Iteration): Frame => {
    const info = node.frame!;
    const key = `${iter.n}\u0000${info.name}`;
    let child = frame.children.get(key);
    if (!child) {
      child = newFrame(info.name, frame, iter.n, info.parallel);
      frame.children.set(key, child);
      iter.outstanding++;
    }
    return child;
  };

  /** A value reaching the root frame: kept when it is fetched. */
  const capture = (node: FrameNode, k: number, v: Value) => {
    for (const [key, f] of plan.fetches) {
      if (f.node !== node.index || f.output !== k) continue;
      hold(v);
      const old = fetched.get(key);
      if (old !== undefined) drop(old);
      fetched.set(key, v);
    }
  };

  const propagate = (r: Ready, outs: Value[]) => {
    const { node, frame, iter } = r;
    switch (node.role) {
      case 'enter': {
        const child = childFrame(node, frame, iter);
        const v = outs[0]!;
        child.pendingEnters--;
        if (node.frame!.constant) {
          hold(v);
          child.invariants.push([node, v]);
          for (let n = child.first; n <= child.last; n++) {
            const it = child.iterations.get(n);
            if (it) send(node, 0, v, child, it);
          }
        } else {
          send(node, 0, v, child, child.iterations.get(child.first)!);
        }
        const first = child.iterations.get(child.first)!;
        for (const to of node.controlOut) control(to, r.dead, child, first);
        retire(child);
        return;
      }
      case 'exit': {
        const parent = frame.parent;
        if (!parent) throw new GraphError('KERNEL', 'an Exit outside any loop frame', { node: node.step.node.name });
        if (r.dead) {
          frame.deadExits.add(node.index);
          return;
        }
        frame.liveExits.add(node.index);
        const pIter = parent.iterations.get(frame.parentIter)!;
        send(node, 0, outs[0]!, parent, pIter);
        if (parent === root) capture(node, 0, outs[0]!);
        for (const to of node.controlOut) control(to, false, parent, pIter);
        return;
      }
      case 'next': {
        if (r.dead) return;
        const v = outs[0]!;
        const n = iter.n + 1;
        if (frame.iterations.has(n)) send(node, 0, v, frame, frame.iterations.get(n)!);
        else if (n - frame.first < frame.parallel) send(node, 0, v, frame, iteration(frame, n));
        else {
          hold(v);
          frame.deferred.push([node, v]);
        }
        return;
      }
      default:
        for (let k = 0; k < node.out.length; k++) send(node, k, outs[k] ?? DEAD, frame, iter);
        if (frame === root) for (let k = 0; k < outs.length; k++) capture(node, k, outs[k]!);
        for (const to of node.controlOut) control(to, r.dead, frame, iter);
    }
  };

  /** Finishes the frame's done iterations in order, starts deferred ones, and the frame itself when all are done. */
  const retire = (frame: Frame) => {
    if (frame === root) return;
    for (;;) {
      const it = frame.iterations.get(frame.first);
      if (!it || it.outstanding > 0 || (it.n === 0 && frame.pendingEnters > 0)) break;
      if (it.n === frame.last && frame.deferred.length === 0) {
        // the newest iteration: the frame is done when nothing more can start one
        if (frame.pendingEnters > 0) break;
        releaseIteration(it);
        frame.iterations.delete(it.n);
        finishFrame(frame);
        return;
      }
      releaseIteration(it);
      frame.iterations.delete(it.n);
      frame.first++;
      if (frame.deferred.length && frame.last + 1 - frame.first < frame.parallel) {
        const next = iteration(frame, frame.last + 1);
        for (const [node, v] of frame.deferred.splice(0)) {
          send(node, 0, v, frame, next);
          drop(v);
        }
      }
    }
  };

  const releaseIteration = (it: Iteration) => {
    for (const s of it.nodes.values()) for (const v of s.inputs) drop(v);
    it.nodes.clear();
  };

  const finishFrame = (frame: Frame) => {
    const parent = frame.parent!;
    for (const [, v] of frame.invariants) drop(v);
    frame.invariants = [];
    const pIter = parent.iterations.get(frame.parentIter)!;
    parent.children.delete(`${frame.parentIter}\u0000${frame.name}`);
    for (const k of frame.deadExits) {
      if (frame.liveExits.has(k)) continue;
      const node = plan.nodes[k]!;
      send(node, 0, DEAD, parent, pIter);
      if (parent === root) capture(node, 0, DEAD);
      for (const to of node.controlOut) control(to, true, parent, pIter);
    }
    pIter.outstanding--;
    retire(parent);
  };

  try {
    const rootIter = root.iterations.get(0)!;
    for (const node of plan.nodes) {
      if (node.dataInputs + node.controlInputs > 0) continue;
      const s = stateOf(node, rootIter, root);
      if (node.role === 'merge') mergeReady(node, root, rootIter, s);
      else fire(node, root, rootIter, s);
    }
    while (head < queue.length) {
      const r = queue[head++]!;
      if (head > 1024 && head * 2 > queue.length) {
        queue.splice(0, head);
        head = 0;
      }
      let outs: Value[];
      const width = Math.max(r.node.out.length, 1);
      if (r.dead) outs = new Array<Value>(width).fill(DEAD);
      else outs = hooks.exec(r.node.step, r.inputs);
      propagate(r, outs);
      for (const v of r.inputs) drop(v);
      for (const v of outs) {
        if (isTensor(v) && !refs.has(v) && disposable(v)) v.dispose();
      }
      r.iter.outstanding--;
      if (r.iter.outstanding === 0) retire(r.frame);
    }
    // a graph that is not a well-formed loop can leave values waiting: free them, keep the fetched ones
    const keep = new Set(fetched.values());
    for (const [t] of refs) if (!keep.has(t) && disposable(t)) t.dispose();
    refs.clear();
    return fetched;
  } catch (err) {
    // a failed run frees everything it still holds
    for (const [t] of refs) if (disposable(t)) t.dispose();
    refs.clear();
    throw err;
  }
}
