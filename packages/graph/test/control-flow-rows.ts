// A graph's nodes as the control-flow fixtures record them (make_control_flow.py node_rows): name, op, inputs (`:0`
// dropped), the scalar attrs and the colocation class.
import type { Graph } from '@tensorgraft/graph';

export interface Row {
  name: string;
  op: string;
  input: string[];
  attrs: Record<string, string | number | boolean | null>;
  class: string[];
}

export function rows(g: Graph): Row[] {
  const decode = (s: Uint8Array) => new TextDecoder().decode(s);
  return g.nodes.map((n) => ({
    name: n.name,
    op: n.op,
    input: [...n.input].map((i) => i.replace(/:0$/, '')),
    attrs: Object.fromEntries(
      Object.keys(n.attr)
        .filter((k) => k !== '_class' && k !== '_output_shapes')
        .sort()
        .map((k) => {
          const v = n.attr[k]!;
          if (v.s) return [k, decode(v.s)];
          if (v.b !== undefined && v.b !== null) return [k, v.b];
          if (v.i !== undefined && v.i !== null) return [k, Number(v.i)];
          if (v.type !== undefined && v.type !== null) return [k, v.type];
          return [k, null];
        }),
    ),
    class: (n.attr._class?.list?.s ?? []).map(decode),
  }));
}
