// Graph.unique_name and Graph.name_scope step by step against the names TensorFlow produced for the same calls
// (fixtures/models/names.json): `_1` suffixes, lower-cased comparison, scopes ending in `/`, '' back to the root.
import { Graph, GraphBuilder } from '@tensorgraft/graph';
import { describe, expect, it } from 'vitest';
import { fixtureJson } from './helpers.js';

type Step = [kind: 'op' | 'scope' | 'end', name: string, produced: string];

describe('names as TensorFlow makes them', () => {
  it('replays every op and scope with the same result', () => {
    const steps = fixtureJson<Step[]>('names.json');
    const g = new Graph();
    const b = new GraphBuilder(g);
    const got: Step[] = [];
    const play = (i: number): number => {
      while (i < steps.length) {
        const [kind, name] = steps[i]!;
        if (kind === 'end') {
          got.push(['end', name, '']);
          return i + 1;
        }
        if (kind === 'op') {
          got.push(['op', name, b.op('NoOp', [], {}, name).name]);
          i++;
        } else {
          i = g.withNameScope(name, (scope) => {
            got.push(['scope', name, scope]);
            return play(i + 1);
          });
        }
      }
      return i;
    };
    play(0);
    expect(got).toEqual(steps);
  });
});
