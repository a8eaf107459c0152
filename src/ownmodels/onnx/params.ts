/**
 * Parameter count of an ONNX model, read from the file itself: the elements of every initializer of the
 * main graph (ModelProto.graph = field 7, GraphProto.initializer = field 5, TensorProto.dims = field 1).
 * A minimal protobuf reader: no onnx package is needed, and tensors kept in external data files are
 * counted too (their dims are in the model file).
 */
import { readFileSync } from 'node:fs';

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Uint8Array,
    private readonly end = buf.length,
    start = 0,
  ) {
    this.pos = start;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
    }
    throw new Error('varint too long');
  }

  /** [field number, wire type] */
  tag(): [number, number] {
    const t = this.varint();
    return [Math.floor(t / 8), t % 8];
  }

  /** Skips a field's value; returns [start, end] of a length-delimited value. */
  skip(wire: number): [number, number] {
    switch (wire) {
      case 0:
        this.varint();
        return [this.pos, this.pos];
      case 1:
        this.pos += 8;
        return [this.pos, this.pos];
      case 2: {
        const len = this.varint();
        const start = this.pos;
        this.pos += len;
        if (this.pos > this.end) throw new Error('truncated field');
        return [start, this.pos];
      }
      case 5:
        this.pos += 4;
        return [this.pos, this.pos];
      default:
        throw new Error(`unsupported wire type ${wire}`);
    }
  }
}

function fields(
  buf: Uint8Array,
  start: number,
  end: number,
  want: number,
  fn: (start: number, end: number, wire: number, r: Reader) => void,
) {
  const r = new Reader(buf, end, start);
  while (!r.done()) {
    const [field, wire] = r.tag();
    if (field === want) {
      if (wire === 0) {
        const s = r.pos;
        fn(s, s, wire, r);
        continue;
      }
      const [s, e] = r.skip(wire);
      fn(s, e, wire, r);
    } else r.skip(wire);
  }
}

function tensorElements(buf: Uint8Array, start: number, end: number): number {
  let n = 1;
  fields(buf, start, end, 1, (s, e, wire, r) => {
    if (wire === 0) n *= r.varint();
    else {
      const packed = new Reader(buf, e, s);
      while (!packed.done()) n *= packed.varint();
    }
  });
  return n;
}

/** Elements of all initializers of the main graph; throws on a file that is not an ONNX model. */
export function countOnnxParams(file: string): { params: number; initializers: number } {
  const buf = readFileSync(file);
  let params = 0;
  let initializers = 0;
  let graphs = 0;
  fields(buf, 0, buf.length, 7, (gs, ge) => {
    graphs++;
    fields(buf, gs, ge, 5, (ts, te) => {
      initializers++;
      params += tensorElements(buf, ts, te);
    });
  });
  if (graphs === 0) throw new Error('no graph in the file (not an ONNX model?)');
  return { params, initializers };
}
