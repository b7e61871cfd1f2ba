// Loads a TensorFlow.js GraphModel directory with @tensorflow/tfjs's own loadGraphModel (CPU backend) through a
// file IO handler that does what tfjs-node's file:// handler does (model.json + its weight shards, concatenated in
// manifest order), runs it on the inputs in a JSON file ({inputName: {shape, values}}), and prints
// {outputs: {name: {shape, values}}, weights: {name: [values...]}} (weights dequantized, as TensorFlow.js holds them).
// Usage: node graph-model-run.mjs MODEL_DIR INPUTS.json OUTPUT_NAME[,OUTPUT_NAME...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const [dir, inputsPath, outputsArg] = process.argv.slice(2);

const fileHandler = {
  async load() {
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const weightSpecs = [];
    const buffers = [];
    for (const group of model.weightsManifest) {
      weightSpecs.push(...group.weights);
      for (const p of group.paths) buffers.push(readFileSync(join(dir, p)));
    }
    const all = Buffer.concat(buffers);
    return {
      modelTopology: model.modelTopology,
      format: model.format,
      generatedBy: model.generatedBy,
      convertedBy: model.convertedBy,
      signature: model.signature,
      userDefinedMetadata: model.userDefinedMetadata,
      weightSpecs,
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    };
  },
};

await tf.setBackend('cpu');
const model = await tf.loadGraphModel(fileHandler);
const inputs = JSON.parse(readFileSync(inputsPath, 'utf8'));
const feeds = {};
for (const [name, v] of Object.entries(inputs)) feeds[name] = tf.tensor(v.values, v.shape, v.dtype ?? 'float32');
const names = outputsArg.split(',');
let outs = await model.executeAsync(feeds, names);
if (!Array.isArray(outs)) outs = [outs];
const doc = { outputs: {}, weights: {} };
names.forEach((n, i) => {
  doc.outputs[n] = { shape: outs[i].shape, values: Array.from(outs[i].dataSync()) };
});
for (const [name, t] of Object.entries(model.weights)) doc.weights[name] = Array.from(t[0].dataSync());
process.stdout.write(JSON.stringify(doc));
