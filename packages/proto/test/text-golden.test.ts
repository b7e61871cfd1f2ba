// Golden checks against TensorFlow's own files: binary round trip, printText byte for byte, parseText of TensorFlow's
// text equal to its binary, and the `checkpoint` state files.
import { join } from 'node:path';
import { decodeMessage, encodeMessage, type MessageType, parseText, printText, tensorflow } from '@tensorgraft/proto';
import { describe, expect, it } from 'vitest';
import { bytesOf, equalBytes, GRAPHS, jsonOf, MODELS, STATE, STATE_CASES, textOf } from './fixtures.js';

interface Sidecar {
  node_count: number;
  node_names: string[];
  op_types: string[];
  functions: string[];
  producer: number;
  meta: {
    collection_keys: string[];
    saver_def: {
      filename_tensor_name: string;
      save_tensor_name: string;
      restore_op_name: string;
      max_to_keep: number;
      version: number;
    };
    tensorflow_version: string;
    stripped_ops: string[];
    node_count: number;
  };
}

const KINDS: [string, string, string, MessageType<unknown>][] = [
  ['GraphDef', '.pb', '.pbtxt', tensorflow.GraphDef as MessageType<unknown>],
  ['MetaGraphDef', '.meta', '.meta.pbtxt', tensorflow.MetaGraphDef as MessageType<unknown>],
];

it('has the model fixtures', () => {
  expect(MODELS).toEqual(['cnn', 'cond', 'constants', 'mlp', 'while']);
});

describe.each(MODELS)('fixture %s', (name) => {
  const sidecar = jsonOf<Sidecar>(join(GRAPHS, `${name}.json`));

  describe.each(KINDS)('%s', (_kind, binExt, textExt, type) => {
    const binary = bytesOf(join(GRAPHS, name + binExt));
    const text = textOf(join(GRAPHS, name + textExt));

    it('decodes and re-encodes to the same bytes', () => {
      const message = decodeMessage(type, binary);
      expect(equalBytes(encodeMessage(type, message), binary)).toBe(true);
    });

    it("prints exactly TensorFlow's text", () => {
      expect(printText(type, decodeMessage(type, binary))).toBe(text);
    });

    it("parses TensorFlow's text into the binary's message", () => {
      const parsed = parseText(type, text, { path: name + textExt });
      expect(equalBytes(encodeMessage(type, parsed), binary)).toBe(true);
      expect(printText(type, parsed)).toBe(text);
    });
  });

  it('has the nodes, ops and versions the sidecar lists', () => {
    const graph = decodeMessage(tensorflow.GraphDef, bytesOf(join(GRAPHS, `${name}.pb`)));
    expect(graph.node.length).toBe(sidecar.node_count);
    expect(graph.node.map((n) => n.name)).toEqual(sidecar.node_names);
    expect([...new Set(graph.node.map((n) => n.op))].sort()).toEqual(sidecar.op_types);
    expect((graph.library?.function ?? []).map((f) => f.signature?.name)).toEqual(sidecar.functions);
    expect(graph.versions?.producer).toBe(sidecar.producer);
  });

  it('has the collections, saver and stripped ops the sidecar lists', () => {
    const meta = parseText(tensorflow.MetaGraphDef, textOf(join(GRAPHS, `${name}.meta.pbtxt`)));
    expect(Object.keys(meta.collection_def).sort()).toEqual(sidecar.meta.collection_keys);
    const saver = meta.saver_def as tensorflow.SaverDef;
    expect(saver.filename_tensor_name).toBe(sidecar.meta.saver_def.filename_tensor_name);
    expect(saver.save_tensor_name).toBe(sidecar.meta.saver_def.save_tensor_name);
    expect(saver.restore_op_name).toBe(sidecar.meta.saver_def.restore_op_name);
    expect(saver.max_to_keep).toBe(sidecar.meta.saver_def.max_to_keep);
    expect(saver.version).toBe(sidecar.meta.saver_def.version);
    expect(meta.meta_info_def?.tensorflow_version).toBe(sidecar.meta.tensorflow_version);
    expect(meta.meta_info_def?.stripped_op_list?.op.map((o) => o.name)).toEqual(sidecar.meta.stripped_ops);
    expect(meta.graph_def?.node.length).toBe(sidecar.meta.node_count);
  });
});

interface StateExpected {
  file: {
    model_checkpoint_path: string;
    all_model_checkpoint_paths: string[];
    all_model_checkpoint_timestamps: number[];
    last_preserved_timestamp: number;
  };
}

describe.each(STATE_CASES)('checkpoint state file %s', (name) => {
  const text = textOf(join(STATE, name, 'checkpoint'));
  const expected = jsonOf<StateExpected>(join(STATE, name, 'expected.json'));

  it('prints back exactly what TensorFlow wrote', () => {
    expect(printText(tensorflow.CheckpointState, parseText(tensorflow.CheckpointState, text))).toBe(text);
  });

  it('parses to the values TensorFlow read from it', () => {
    const state = parseText(tensorflow.CheckpointState, text);
    expect(state.model_checkpoint_path).toBe(expected.file.model_checkpoint_path);
    expect(state.all_model_checkpoint_paths).toEqual(expected.file.all_model_checkpoint_paths);
    expect(state.all_model_checkpoint_timestamps).toEqual(expected.file.all_model_checkpoint_timestamps);
    expect(state.last_preserved_timestamp).toBe(expected.file.last_preserved_timestamp);
  });

  it('prints a state built field by field the way TensorFlow does', () => {
    const built = tensorflow.CheckpointState.create({
      model_checkpoint_path: expected.file.model_checkpoint_path,
      all_model_checkpoint_paths: expected.file.all_model_checkpoint_paths,
      all_model_checkpoint_timestamps: expected.file.all_model_checkpoint_timestamps,
      last_preserved_timestamp: expected.file.last_preserved_timestamp,
    });
    expect(printText(tensorflow.CheckpointState, built)).toBe(text);
  });
});
