// interop/tests/test_saver_kill.py: `new Saver(v, {maxToKeep: 1}).save(PREFIX, {globalStep: 1})` into a directory
// whose state file lists `../victim/important`, as TensorFlow's Saver does there in the same test.
import { Saver } from '@tensorgraft/saver';

const [prefix] = process.argv.slice(2);
const v = { dtype: 'float32', shape: [2], data: new Float32Array([1.5, -2]) };
await new Saver({ v }, { maxToKeep: 1 }).save(prefix, { globalStep: 1 });
