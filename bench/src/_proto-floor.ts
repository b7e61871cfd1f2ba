// A floor for binary encode in JavaScript: an encoder written by hand for exactly the bench GraphDef's shape (its
// fields, its attr kinds, no presence rules, no generality), writing backwards into one buffer as encodeMessage does.
// Whatever encodeMessage costs above this is the price of being general; what this costs above Python's upb is the
// price of JavaScript (strings copied a character at a time, every object visited through property reads).
import type { tensorflow } from '@tensorgraft/proto';

type Attr = tensorflow.AttrValue.$Properties;
type Shape = tensorflow.TensorShapeProto.$Properties;
type Long64 = { low: number; high: number };

const hasOwn = Object.prototype.hasOwnProperty;

export class HandEncoder {
  private buf = new Uint8Array(1 << 20);
  private view = new DataView(this.buf.buffer);
  private pos = 0;

  /** The graph's bytes (a copy), equal to Python's SerializeToString for the bench graph. */
  encode(graph: tensorflow.GraphDef): Uint8Array {
    if (this.buf.length < 16 << 20) {
      this.buf = new Uint8Array(16 << 20);
      this.view = new DataView(this.buf.buffer);
    }
    this.pos = this.buf.length;
    const versions = this.mark();
    this.varint((graph.versions as tensorflow.VersionDef).producer as number);
    this.byte(8);
    this.delimited(versions, 34);
    const nodes = graph.node;
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i] as tensorflow.NodeDef;
      const node = this.mark();
      const keys = Object.keys(n.attr);
      for (let k = keys.length - 1; k >= 0; k--) {
        const key = keys[k] as string;
        const entry = this.mark();
        const value = this.mark();
        this.attr(n.attr[key] as Attr);
        this.delimited(value, 18);
        this.string(10, key);
        this.delimited(entry, 42);
      }
      if (n.device) this.string(34, n.device);
      for (let k = n.input.length - 1; k >= 0; k--) this.string(26, n.input[k] as string);
      this.string(18, n.op);
      this.string(10, n.name);
      this.delimited(node, 10);
    }
    return this.buf.slice(this.pos);
  }

  private attr(a: Attr): void {
    const list = a.list;
    if (list) {
      const start = this.mark();
      const shapes = list.shape ?? [];
      for (let i = shapes.length - 1; i >= 0; i--) {
        const s = this.mark();
        this.shape(shapes[i] as Shape);
        this.delimited(s, 58);
      }
      this.delimited(start, 10);
    }
    if (hasOwn.call(a, 'b')) {
      this.byte(a.b ? 1 : 0);
      this.byte(40);
    }
    if (hasOwn.call(a, 'type')) {
      this.varint(a.type as number);
      this.byte(48);
    }
    const t = a.tensor;
    if (t) {
      const start = this.mark();
      const floats = t.float_val ?? [];
      this.pos -= floats.length * 4;
      for (let i = 0; i < floats.length; i++) this.view.setFloat32(this.pos + i * 4, floats[i] as number, true);
      this.varint(floats.length * 4);
      this.byte(42);
      const s = this.mark();
      this.shape(t.tensor_shape as Shape);
      this.delimited(s, 18);
      this.varint(t.dtype as number);
      this.byte(8);
      this.delimited(start, 66);
    }
  }

  private shape(shape: Shape): void {
    const dims = shape.dim ?? [];
    for (let i = dims.length - 1; i >= 0; i--) {
      const start = this.mark();
      const size = (dims[i] as { size: Long64 }).size;
      if (size.high === -1 && size.low === -1) {
        this.pos -= 10;
        this.buf.fill(0xff, this.pos, this.pos + 9);
        this.buf[this.pos + 9] = 1;
      } else this.varint(size.low);
      this.byte(8);
      this.delimited(start, 18);
    }
  }

  private mark(): number {
    return this.buf.length - this.pos;
  }

  private delimited(start: number, tag: number): void {
    this.varint(this.buf.length - this.pos - start);
    this.byte(tag);
  }

  private byte(b: number): void {
    this.buf[--this.pos] = b;
  }

  private varint(v: number): void {
    if (v < 0x80) {
      this.buf[--this.pos] = v;
      return;
    }
    this.pos -= v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
    let p = this.pos;
    while (v > 127) {
      this.buf[p++] = (v & 127) | 128;
      v >>>= 7;
    }
    this.buf[p] = v;
  }

  private string(tag: number, s: string): void {
    const n = s.length;
    this.pos -= n;
    const at = this.pos;
    for (let i = 0; i < n; i++) this.buf[at + i] = s.charCodeAt(i);
    this.varint(n);
    this.byte(tag);
  }
}
