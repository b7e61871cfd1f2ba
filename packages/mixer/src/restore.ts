// restoreMixed(): every variable of a mixed graph filled from its own model's checkpoint through the restore map (one
// reader per checkpoint, one tensor in memory at a time, assigned with Session.assignVariable), and every variable
// with no source run through its initializer. No per-model restore ops are needed (the models' savers were left out).

import type { Session } from '@tensorgraft/graph';
import { MixerError } from './errors.js';
import type { Mixed, RestoreEntry } from './mixed.js';
import { openModelCheckpoint } from './model-checkpoint.js';
import { toTfjs } from './tensor-convert.js';
import { globalVariables } from './trainable.js';

export interface RestoreMixedOptions {
  /** Run the initializer of every variable the restore map does not cover (default true). */
  initialize?: boolean;
}

export interface RestoreMixedReport {
  /** Variables filled from a checkpoint. */
  restored: string[];
  /** Variables set by their initializer. */
  initialized: string[];
  /** Variables with neither (no initializer in the graph). */
  uninitialized: string[];
}

export async function restoreMixed(
  session: Session,
  mixed: Mixed,
  options: RestoreMixedOptions = {},
): Promise<RestoreMixedReport> {
  await session.ready();
  const byCheckpoint = new Map<string, RestoreEntry[]>();
  for (const e of mixed.restoreMap.values()) {
    const list = byCheckpoint.get(e.checkpoint);
    if (list) list.push(e);
    else byCheckpoint.set(e.checkpoint, [e]);
  }
  const restored: string[] = [];
  for (const [path, entries] of byCheckpoint) {
    const reader = openModelCheckpoint(path, entries[0]!.model);
    try {
      for (const e of entries) {
        let value: ReturnType<typeof toTfjs>;
        try {
          value = toTfjs(reader.get(e.key), e.variable);
        } catch (cause) {
          if (cause instanceof MixerError) throw cause;
          throw new MixerError('IO', `cannot read '${e.key}' from the checkpoint`, {
            model: e.model,
            variable: e.variable,
            path,
            cause,
          });
        }
        try {
          session.assignVariable(e.variable, value);
        } finally {
          value.dispose();
        }
        restored.push(e.variable);
      }
    } finally {
      reader.close();
    }
  }
  const initialized: string[] = [];
  const uninitialized: string[] = [];
  if (options.initialize ?? true) {
    const ops: string[] = [];
    for (const [name, def] of globalVariables(mixed.graph)) {
      if (mixed.restoreMap.has(name)) continue;
      if (def.initializer_name) {
        ops.push(def.initializer_name);
        initialized.push(name);
      } else uninitialized.push(name);
    }
    if (ops.length) await session.run(ops);
  }
  return { restored, initialized, uninitialized };
}
