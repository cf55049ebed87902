/** Types for the untyped `unbzip2-stream` package (a `through` stream: write/end in, 'data'/'error'/'end' out). */
declare module 'unbzip2-stream' {
  import type { Stream } from 'node:stream';

  interface Unbzip2Stream extends Stream {
    write(chunk: Uint8Array): boolean;
    end(): void;
    destroy(): void;
  }

  function unbzip2Stream(): Unbzip2Stream;
  export default unbzip2Stream;
}
