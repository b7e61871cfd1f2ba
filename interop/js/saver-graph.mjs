// GraphSaver live check, our side: builds a graph with ref and resource variables, initializes it, saves three steps
// with GraphSaver (maxToKeep 2) and prints the variables' values and the latest checkpoint.
//   node saver-graph.mjs <dir>
import { Graph, GraphBuilder, Session } from '@tensorgraft/graph';
import { latestCheckpoint } from '@tensorgraft/saver';
import { GraphSaver } from '@tensorgraft/saver/graph';

const dir = process.argv[2];
const graph = new Graph();
const b = new GraphBuilder(graph);
const vars = [
  b.nameScope('dense', () => b.variable('kernel', [3, 2], { randomNormal: { stddev: 0.5, seed: 5 } })),
  b.nameScope('dense', () => b.variable('bias', [2], { constant: [0.25, -0.5] })),
  b.variable('embedding', [4, 2], { randomNormal: { stddev: 1, seed: 9 } }, { resource: true }),
];
const init = b.globalVariablesInitializer();
const saver = new GraphSaver(graph, { maxToKeep: 2 });
const session = new Session(graph);
await session.run(init);
for (const step of [1, 2, 3]) await saver.save(session, `${dir}/model.ckpt`, { globalStep: step });
const values = {};
for (const v of vars) {
  const t = await session.run(v.value);
  values[v.name] = Array.from(await t.data());
  t.dispose();
}
console.log(JSON.stringify({ latest: latestCheckpoint(dir), saverDef: saver.saverDef, values }));
session.close();
