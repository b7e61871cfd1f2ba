import * as tf from '@tensorflow/tfjs-core';
import { initBackend, nativeConvs } from '@tensorgraft/graph';
const onCpu = (fn) => { tf.setBackend('cpu'); try { return fn(); } finally { tf.setBackend('wasm'); } };
await initBackend('wasm');
console.log('native', nativeConvs(), tf.getBackend());
const cases = [[2,17,19,5,3,3,7,[1,1],'same',[1,1]],[2,17,19,5,3,3,7,[2,2],'same',[1,1]],[1,20,20,8,7,7,16,[2,2],'valid',[1,1]],[3,9,11,4,3,3,6,[1,1],'same',[2,2]],[2,8,8,4,1,1,6,[2,2],'same',[1,1]]];
for (const [n,h,w,ci,kh,kw,co,s,pad,dil] of cases) {
  const x = tf.randomNormal([n,h,w,ci],0,1,'float32',1), f = tf.randomNormal([kh,kw,ci,co],0,1,'float32',2), b = tf.randomNormal([co],0,1,'float32',3);
  const y = tf.fused.conv2d({x, filter: f, bias: b, activation: 'relu', strides: s, pad, dilations: dil});
  const xs = x.arraySync(), fs = f.arraySync(), bs = b.arraySync();
  const yc = onCpu(() => { const r = tf.fused.conv2d({x: tf.tensor(xs), filter: tf.tensor(fs), bias: tf.tensor(bs), activation: 'relu', strides: s, pad, dilations: dil}); const a = r.arraySync(); return a; });
  const d = tf.max(tf.abs(tf.sub(y, tf.tensor(yc)))).dataSync()[0];
  console.log(n,h,w,ci,kh,kw,co,s,pad,dil,'shape',y.shape.join('x'),'maxdiff',d);
}
