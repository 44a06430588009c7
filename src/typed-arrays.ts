/** Typed arrays a pool can hand out: constructed as views `new T(buffer, byteOffset, length)`. */
type ViewConstructor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

/**
 * Small typed arrays of one kind carved from shared buffers. A fresh typed array of a few hundred bytes costs V8 an
 * off-heap buffer of its own (about 1 µs, more than filling a feature vector), a view into a shared buffer a tenth of
 * that; the search makes three per candidate (a sampler state, two feature vectors), thousands a second. A buffer lives
 * while any of its views does, so each kind of array gets its own pool: arrays of one lifetime share buffers.
 */
export class TypedArrayPool<T> {
  private buffer: ArrayBuffer;
  private used = 0;

  constructor(
    private readonly type: ViewConstructor<T>,
    private readonly bufferBytes = 64 * 1024,
  ) {
    this.buffer = new ArrayBuffer(bufferBytes);
  }

  /** A zeroed array of `length` elements (its own buffer when it would take more than an eighth of a shared one). */
  take(length: number): T {
    const bytes = length * this.type.BYTES_PER_ELEMENT;
    if (bytes > this.bufferBytes / 8) return new this.type(new ArrayBuffer(bytes), 0, length);
    if (this.used + bytes > this.bufferBytes) {
      this.buffer = new ArrayBuffer(this.bufferBytes);
      this.used = 0;
    }
    const view = new this.type(this.buffer, this.used, length);
    this.used += bytes;
    return view;
  }
}
