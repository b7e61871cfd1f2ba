// importGraphDef / importMetaGraph against what the pinned TensorFlow produced for the same calls
// (fixtures/models/import_cases.json, written by interop/fixtures/make_models.py).

import type { CollectionItem } from '@tensorgraft/graph';
import { Graph, GraphError, importGraphDef, importMetaGraph, parseGraphDef, parseMetaGraph } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureJson } from './helpers.js';

interface Row {
  name: string;
  op: string;
  input: string[];
  class: string[];
  device: string;
}
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON, checked by the assertions
type Json = any;
const { cases } = fixtureJson<{ cases: Json[] }>('import_cases.json');
const source = parseGraphDef(fixture('import_source.pb'));
const base = parseGraphDef(fixture('import_base.pb'));
const meta = parseMetaGraph(fixture('import_meta.meta'));

function rows(graph: Graph): Row[] {
  return graph.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    input: [...n.input],
    class: (n.attr._class?.list?.s ?? []).map((b) => new TextDecoder().decode(b)),
    device: n.device,
  }));
}

function baseGraph(): Graph {
  const g = new Graph();
  importGraphDef(g, base, { prefix: '' });
  return g;
}

describe('importGraphDef matches tf.import_graph_def', () => {
  for (const c of cases.filter((c) => !c.name.startsWith('meta'))) {
    it(c.name, () => {
      const g = baseGraph();
      const returns = c.calls.map((call: Json) => {
        const run = () =>
          importGraphDef(g, source, {
            ...(call.name !== null && call.name !== undefined ? { prefix: call.name } : {}),
            ...(call.input_map ? { inputMap: call.input_map } : {}),
            ...(call.return_elements ? { returnElements: call.return_elements } : {}),
          });
        const r = call.scope ? g.withNameScope(call.scope, run) : run();
        return call.return_elements ? r.returnElements : null;
      });
      // the recording ends with tf.no_op(name='import'), which pins down the names in use after the imports
      expect(g.createOp('NoOp', [], {}, 'import').name).toBe(c.after);
      expect(rows(g)).toEqual(c.nodes);
      expect(returns).toEqual(c.returns);
    });
  }

  it('reports the renames TensorFlow makes silently, and refuses them in strict mode', () => {
    const g = baseGraph();
    const r = importGraphDef(g, source, { prefix: '' });
    expect(r.renamed).toEqual([{ from: 'y', to: 'y_2' }]);
    const g2 = baseGraph();
    expect(() => importGraphDef(g2, source, { prefix: '', strict: true })).toThrow(
      expect.objectContaining({ code: 'NAME_COLLISION', node: 'y' }),
    );
    const g3 = baseGraph();
    importGraphDef(g3, source, { prefix: 'foo' });
    expect(() => importGraphDef(g3, source, { prefix: 'foo', strict: true })).toThrow(
      expect.objectContaining({ code: 'NAME_COLLISION' }),
    );
  });

  it('refuses an inputMap key that no input uses', () => {
    const g = baseGraph();
    expect(() => importGraphDef(g, source, { inputMap: { 'nothere:0': 'p:0' } })).toThrow(
      expect.objectContaining({ code: 'INPUT_MAP' }),
    );
    expect(() => importGraphDef(baseGraph(), source, { inputMap: { '^x': 'p:0' } })).toThrow(
      expect.objectContaining({ code: 'INPUT_MAP' }),
    );
  });
});

function collectionJson(item: CollectionItem): unknown {
  switch (item.kind) {
    case 'node':
      return item.name;
    case 'variable': {
      const d = item.def;
      return {
        variable_name: d.variable_name,
        initializer_name: d.initializer_name,
        snapshot_name: d.snapshot_name,
        initial_value_name: d.initial_value_name,
        is_resource: d.is_resource ?? false,
        trainable: d.trainable ?? false,
      };
    }
    case 'bytes':
      return { bytes: new TextDecoder().decode(item.value) };
    case 'int64':
      return item.value.toNumber();
    case 'float':
      return item.value;
    default:
      return item;
  }
}

describe('importMetaGraph matches tf.compat.v1.train.import_meta_graph', () => {
  for (const c of cases.filter((c) => c.name.startsWith('meta'))) {
    it(c.name, () => {
      const g = new Graph();
      g.addNode({ name: 'p', op: 'Placeholder', attr: {} });
      const savers = c.calls.map((call: Json) => {
        const r = importMetaGraph(g, meta, {
          ...(call.import_scope ? { importScope: call.import_scope } : {}),
          ...(call.clear_devices ? { clearDevices: true } : {}),
          ...(call.input_map ? { inputMap: call.input_map } : {}),
        });
        const s = r.saverDef!;
        return {
          filename_tensor_name: s.filename_tensor_name,
          save_tensor_name: s.save_tensor_name,
          restore_op_name: s.restore_op_name,
        };
      });
      expect(rows(g)).toEqual(c.nodes);
      expect(savers).toEqual(c.savers);
      const collections: Record<string, unknown[]> = {};
      for (const key of [...g.collections.keys()].sort()) collections[key] = g.getCollection(key).map(collectionJson);
      // TensorFlow hands back prefixed plain-bytes items as str; compare their text
      const expected = JSON.parse(JSON.stringify(c.collections).replace(/\{"bytes":("[^"]*")\}/g, '$1'));
      const got = JSON.parse(JSON.stringify(collections).replace(/\{"bytes":("[^"]*")\}/g, '$1'));
      expect(got).toEqual(expected);
    });
  }

  it('names the uncovered unbound inputs', () => {
    const m = parseMetaGraph(fixture('import_meta.meta'));
    m.collection_def.unbound_inputs = {
      bytes_list: { value: [new TextEncoder().encode('$unbound_inputs_x')] },
    } as never;
    expect(() => importMetaGraph(new Graph(), m)).toThrow(GraphError);
  });
});
