/**
 * A msgpack encoder that writes what SimKube's Rust side (rmp-serde) writes: every integer in
 * its shortest form (non-negative ones unsigned, so u64 hashes stay unsigned), `bigint` as a
 * 64-bit integer, other numbers as float64, strings as str, plain objects and `Map`s as maps
 * (a `Map` may have array or integer keys: that is how tuple keys are written), arrays as
 * arrays. Keys whose value is `undefined` are skipped, as JSON.stringify does.
 */

/** A value the writer cannot represent in a trace; `path` says where it is. */
export class MsgpackWriteError extends Error {
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.name = 'MsgpackWriteError';
    this.path = path;
  }
}

const utf8 = new TextEncoder();
const U64_MAX = (1n << 64n) - 1n;
const I64_MIN = -(1n << 63n);

/** Reusable encoder; each `encode` returns a fresh copy of the bytes it wrote. */
export class MsgpackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialSize = 1 << 16) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  /** Start a new document. */
  reset(): void {
    this.pos = 0;
  }

  /** The bytes written since the last reset (a copy, safe to keep). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Encode one value as a whole document. */
  encode(value: unknown): Uint8Array {
    this.reset();
    this.value(value, '');
    const out = this.finish();
    // Give a very large scratch buffer back after a big trace.
    if (this.buf.length > 1 << 24) {
      this.buf = new Uint8Array(1 << 16);
      this.view = new DataView(this.buf.buffer);
    }
    return out;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** Write any supported value; `path` is only used in error messages. */
  value(v: unknown, path: string): void {
    switch (typeof v) {
      case 'string':
        this.str(v);
        return;
      case 'number':
        this.number(v, path);
        return;
      case 'bigint':
        this.bigint(v, path);
        return;
      case 'boolean':
        this.ensure(1);
        this.buf[this.pos++] = v ? 0xc3 : 0xc2;
        return;
      case 'object':
        if (v === null) {
          this.nil();
        } else if (Array.isArray(v)) {
          this.arrayHeader(v.length);
          for (let i = 0; i < v.length; i++) this.value(v[i] === undefined ? null : v[i], path);
        } else if (v instanceof Map) {
          this.mapHeader(v.size);
          for (const [k, x] of v) {
            this.value(k, path);
            this.value(x, path);
          }
        } else if (v instanceof Uint8Array || ArrayBuffer.isView(v)) {
          throw new MsgpackWriteError(path, 'expected JSON-like data in a trace, got binary data');
        } else {
          this.object(v as Record<string, unknown>, path);
        }
        return;
      case 'undefined':
        this.nil();
        return;
      default:
        throw new MsgpackWriteError(path, `expected JSON-like data in a trace, got a ${typeof v}`);
    }
  }

  /** Write a plain object as a map with string keys (undefined values skipped). */
  object(o: Record<string, unknown>, path: string): void {
    let n = 0;
    for (const k in o) if (Object.prototype.hasOwnProperty.call(o, k) && o[k] !== undefined) n++;
    this.mapHeader(n);
    for (const k in o) {
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      const x = o[k];
      if (x === undefined) continue;
      this.str(k);
      this.value(x, path);
    }
  }

  nil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  number(v: number, path: string): void {
    if (Number.isInteger(v) && !(v === 0 && 1 / v < 0)) {
      if (v >= 0) this.uint(v);
      else this.sint(v);
      return;
    }
    if (!Number.isFinite(v)) throw new MsgpackWriteError(path, `expected a finite number, got ${v}`);
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  /** A non-negative integer (a JS number) in its shortest unsigned form. */
  uint(v: number): void {
    this.ensure(9);
    const b = this.buf;
    if (v < 0x80) {
      b[this.pos++] = v;
    } else if (v < 0x100) {
      b[this.pos++] = 0xcc;
      b[this.pos++] = v;
    } else if (v < 0x10000) {
      b[this.pos++] = 0xcd;
      this.view.setUint16(this.pos, v);
      this.pos += 2;
    } else if (v < 0x100000000) {
      b[this.pos++] = 0xce;
      this.view.setUint32(this.pos, v);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, BigInt(v));
      this.pos += 8;
    }
  }

  private sint(v: number): void {
    this.ensure(9);
    const b = this.buf;
    if (v >= -32) {
      b[this.pos++] = v & 0xff;
    } else if (v >= -128) {
      b[this.pos++] = 0xd0;
      this.view.setInt8(this.pos++, v);
    } else if (v >= -32768) {
      b[this.pos++] = 0xd1;
      this.view.setInt16(this.pos, v);
      this.pos += 2;
    } else if (v >= -2147483648) {
      b[this.pos++] = 0xd2;
      this.view.setInt32(this.pos, v);
      this.pos += 4;
    } else {
      b[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, BigInt(v));
      this.pos += 8;
    }
  }

  /** A bigint: shortest form when it fits a smaller width, else u64 / i64. */
  bigint(v: bigint, path: string): void {
    if (v > U64_MAX || v < I64_MIN) {
      throw new MsgpackWriteError(path, `expected an integer that fits 64 bits, got ${v}`);
    }
    if (v >= 0n) {
      if (v <= 0xffffffffn) this.uint(Number(v));
      else {
        this.ensure(9);
        this.buf[this.pos++] = 0xcf;
        this.view.setBigUint64(this.pos, v);
        this.pos += 8;
      }
    } else if (v >= -2147483648n) {
      this.sint(Number(v));
    } else {
      this.ensure(9);
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, v);
      this.pos += 8;
    }
  }

  str(s: string): void {
    const n = s.length;
    // Worst case 3 bytes per UTF-16 unit, plus a 5-byte header.
    this.ensure(n * 3 + 5);
    const b = this.buf;
    if (n < 32) {
      // Optimistic ASCII: write the bytes after a fixstr header, fall back if a unit is wide.
      const start = this.pos;
      let p = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[p++] = c;
      }
      if (i === n) {
        b[start] = 0xa0 | n;
        this.pos = p;
        return;
      }
    }
    // General case: encode into place after the widest header this length could need, then
    // move the bytes down if a shorter header fits (rare: only non-ASCII or long strings).
    const headerMax = n * 3 < 32 ? 1 : n * 3 < 0x100 ? 2 : n * 3 < 0x10000 ? 3 : 5;
    const start = this.pos;
    const written = utf8.encodeInto(s, b.subarray(start + headerMax)).written;
    const header = written < 32 ? 1 : written < 0x100 ? 2 : written < 0x10000 ? 3 : 5;
    if (header !== headerMax) b.copyWithin(start + header, start + headerMax, start + headerMax + written);
    if (header === 1) {
      b[start] = 0xa0 | written;
    } else if (header === 2) {
      b[start] = 0xd9;
      b[start + 1] = written;
    } else if (header === 3) {
      b[start] = 0xda;
      this.view.setUint16(start + 1, written);
    } else {
      b[start] = 0xdb;
      this.view.setUint32(start + 1, written);
    }
    this.pos = start + header + written;
  }

  arrayHeader(n: number): void {
    this.ensure(5);
    if (n < 16) {
      this.buf[this.pos++] = 0x90 | n;
    } else if (n < 0x10000) {
      this.buf[this.pos++] = 0xdc;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdd;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }

  mapHeader(n: number): void {
    this.ensure(5);
    if (n < 16) {
      this.buf[this.pos++] = 0x80 | n;
    } else if (n < 0x10000) {
      this.buf[this.pos++] = 0xde;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdf;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }
}
