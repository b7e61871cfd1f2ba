// per-layer CPU time of VGG-16 forward convs on the wasm backend (fused conv+bias+relu), batch from argv
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@tensorgraft/graph';
const threads = Number(process.argv[2] ?? 1), B = Number(process.argv[3] ?? 1);
await initBackend('wasm', { wasmThreads: threads });
const layers = [[224,3,64],[224,64,64],[112,64,128],[112,128,128],[56,128,256],[56,256,256],[56,256,256],[28,256,512],[28,512,512],[28,512,512],[14,512,512],[14,512,512],[14,512,512]];
let totC=0,totW=0,totF=0;
for (const [s,ci,co] of layers) {
  const x = tf.randomNormal([B,s,s,ci]); const w = tf.randomNormal([3,3,ci,co]); const b = tf.randomNormal([co]);
  const run = () => { const y = tf.fused.conv2d({x, filter: w, bias: b, activation: 'relu', pad: 'same', strides: 1}); y.dataSync(); y.dispose(); };
  run();
  const c0 = process.cpuUsage(), t0 = performance.now();
  run(); run();
  const cpu = (process.cpuUsage(c0).user + process.cpuUsage(c0).system)/2e3, wall = (performance.now()-t0)/2;
  const gf = 2*B*s*s*9*ci*co/1e9;
  totC+=cpu; totW+=wall; totF+=gf;
  console.log(`${s}x${s} ${ci}->${co}: wall ${wall.toFixed(0)} ms cpu ${cpu.toFixed(0)} ms, ${(gf/wall*1e3).toFixed(1)} GFLOP/s wall, ${(gf/cpu*1e3).toFixed(1)} per cpu-s`);
  tf.dispose([x,w,b]);
}
console.log(`total wall ${totW.toFixed(0)} cpu ${totC.toFixed(0)} ${totF.toFixed(1)} GFLOP: ${(totF/totW*1e3).toFixed(1)} GFLOP/s wall`);
