import test from 'ava';
import fc from 'fast-check';
import { LineSplitter, splitLines } from '../../lib/io/lines.js';

const enc = new TextEncoder();

/** Runs the splitter over `bytes` cut at the given positions. */
function splitChunks(bytes: Uint8Array, cuts: number[], discardFirstLine = false): string[] {
  const s = new LineSplitter({ discardFirstLine });
  const out: string[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    s.push(bytes.subarray(prev, c), out);
    prev = c;
  }
  s.push(bytes.subarray(prev), out);
  s.end(out);
  return out;
}

test('splitLines: reference rule (trailing empty segment is not a line)', (t) => {
  t.deepEqual(splitLines(''), []);
  t.deepEqual(splitLines('\n'), ['']);
  t.deepEqual(splitLines('a'), ['a']);
  t.deepEqual(splitLines('a\n'), ['a']);
  t.deepEqual(splitLines('a\n\n'), ['a', '']);
  t.deepEqual(splitLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd']);
  t.deepEqual(splitLines('a\n\rb'), ['a', '', 'b']);
  t.deepEqual(splitLines('a\f\u2028b\u0085c'), ['a\f\u2028b\u0085c']);
});

test('LineSplitter: terminators \\n, \\r\\n and lone \\r; no trailing empty line', (t) => {
  const cases: [string, string[]][] = [
    ['', []],
    ['abc', ['abc']],
    ['abc\n', ['abc']],
    ['a\nb\n', ['a', 'b']],
    ['a\r\nb\r\n', ['a', 'b']],
    ['a\rb\r', ['a', 'b']],
    ['a\r\rb', ['a', '', 'b']],
    ['a\n\r\nb', ['a', '', 'b']],
    ['\r\n', ['']],
    ['\n\n\n', ['', '', '']],
    ['x\u2028y\fz\u000bw', ['x\u2028y\fz\u000bw']],
  ];
  for (const [text, lines] of cases)
    t.deepEqual(splitChunks(enc.encode(text), []), lines, JSON.stringify(text));
});

test('LineSplitter: \\r at the end of one chunk and \\n at the start of the next are one terminator', (t) => {
  const bytes = enc.encode('one\r\ntwo\r\nthree');
  for (let cut = 0; cut <= bytes.length; cut++) {
    t.deepEqual(splitChunks(bytes, [cut]), ['one', 'two', 'three'], `cut at ${cut}`);
  }
  t.deepEqual(splitChunks(enc.encode('a\r\n'), [2, 2, 2]), ['a']);
});

test('LineSplitter: multi-byte characters split across chunks decode whole', (t) => {
  const text = 'héllo 日本語\n𝄞 clef\r\nend€';
  const bytes = enc.encode(text);
  for (let i = 0; i <= bytes.length; i++) {
    for (let j = i; j <= bytes.length; j += 3) {
      t.deepEqual(splitChunks(bytes, [i, j]), ['héllo 日本語', '𝄞 clef', 'end€']);
    }
  }
  // One byte per chunk.
  t.deepEqual(
    splitChunks(
      bytes,
      Array.from({ length: bytes.length }, (_, k) => k),
    ),
    ['héllo 日本語', '𝄞 clef', 'end€'],
  );
});

test('LineSplitter: invalid UTF-8 becomes U+FFFD, never dropped', (t) => {
  const bytes = new Uint8Array([0x61, 0xff, 0x62, 0x0a, 0xe6, 0x97, 0x0a, 0xc3]);
  const expected = ['a\uFFFDb', '\uFFFD', '\uFFFD'];
  for (let cut = 0; cut <= bytes.length; cut++)
    t.deepEqual(splitChunks(bytes, [cut]), expected, `cut at ${cut}`);
  t.deepEqual(splitChunks(bytes, []), new TextDecoder().decode(bytes).split('\n'));
});

test('LineSplitter: a UTF-8 byte order mark at the start is dropped (as Hadoop does), not elsewhere', (t) => {
  t.deepEqual(splitChunks(enc.encode('\uFEFFa\n\uFEFFb'), [1]), ['a', '\uFEFFb']);
});

test('LineSplitter: discardFirstLine drops the first line, however it ends', (t) => {
  t.deepEqual(splitChunks(enc.encode('partial\nb\nc'), [3], true), ['b', 'c']);
  t.deepEqual(splitChunks(enc.encode('\nb'), [], true), ['b']);
  t.deepEqual(splitChunks(enc.encode('\r\nb'), [1], true), ['b']);
  t.deepEqual(splitChunks(enc.encode('only'), [], true), []);
});

test('LineSplitter: end() between zip entries ends the current line', (t) => {
  const s = new LineSplitter();
  const out: string[] = [];
  s.push(enc.encode('a\nb'), out);
  s.end(out);
  s.push(enc.encode('c\r'), out);
  s.end(out);
  s.push(enc.encode('\nd'), out);
  s.end(out);
  t.deepEqual(out, ['a', 'b', 'c', '', 'd']);
});

const alphabet = ['a', 'b', 'é', '日', '𝄞', '\n', '\r', '\r\n', ' ', '\uFFFD'];
const textArb = fc.array(fc.constantFrom(...alphabet), { maxLength: 60 }).map((xs) => xs.join(''));

test('LineSplitter: property: any chunking gives split(/\\r\\n|\\r|\\n/) with the trailing-empty rule', (t) => {
  const r = fc.check(
    fc.property(textArb, fc.array(fc.nat(), { maxLength: 8 }), (text, rawCuts) => {
      const bytes = enc.encode(text);
      const cuts = rawCuts.map((c) => c % (bytes.length + 1));
      const got = splitChunks(bytes, cuts);
      const want = splitLines(text);
      return JSON.stringify(got) === JSON.stringify(want);
    }),
    { numRuns: 2000 },
  );
  t.false(r.failed, fc.defaultReportMessage(r) ?? '');
});

test('LineSplitter: property: every single cut position, random bytes, equals whole decoding', (t) => {
  const r = fc.check(
    fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
      const want = splitLines(new TextDecoder().decode(bytes));
      for (let cut = 0; cut <= bytes.length; cut++) {
        if (JSON.stringify(splitChunks(bytes, [cut])) !== JSON.stringify(want)) return false;
      }
      return true;
    }),
    { numRuns: 1000 },
  );
  t.false(r.failed, fc.defaultReportMessage(r) ?? '');
});
