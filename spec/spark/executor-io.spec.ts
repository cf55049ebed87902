/**
 * The executor side of the pipe protocol (lib/spark/executor-io.ts), without
 * Spark: crafted inputs in, what the executor writes and its exit status out.
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { TaskError, UnsupportedOnSparkError } from '../../lib/index.js';
import {
  EXIT_FAILED,
  EXIT_INPUT_CUT,
  FRAME_END,
  FRAME_ERROR,
  FRAME_START,
  runTask,
  type TaskInput,
  type TaskOutput,
} from '../../lib/spark/executor-io.js';

const TOKEN = 'abc-17';
const header = (data: unknown = null): string =>
  `${FRAME_START}${JSON.stringify({ partition: 2, attempt: 1, stage: 3, stageAttempt: 0, task: 17, taskPartition: 2, token: TOKEN, data })}\n`;
const trailer = (n: number): string => `${FRAME_END}${TOKEN}\t${n}\n`;

interface Ran {
  code: number;
  out: string[];
  err: string;
}

/** Runs `body` as a task over `chunks` (the input, split as given). */
function run(
  chunks: string[],
  body: (input: TaskInput, output: TaskOutput) => Promise<unknown>,
): Promise<Ran> {
  return new Promise((resolve) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    runTask(body, {
      stdin: Readable.from(chunks.map((c) => Buffer.from(c))),
      stdout,
      stderr,
      events: new EventEmitter(),
      exit: (code) => setImmediate(() => resolve({ code, out: out.split('\n').slice(0, -1), err })),
    });
  });
}

const echo = async (input: TaskInput, output: TaskOutput): Promise<undefined> => {
  for await (const batch of input.batches) await output.write(batch.map((l) => `<${l}>`));
  return undefined;
};

test('a task reads the header, every line in order however the input is chunked, and writes its trailer', async (t) => {
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 50)}`);
  const text = header({ stage: 'encoded' }) + lines.map((l) => `${l}\n`).join('') + trailer(lines.length);
  for (const size of [1, 7, 4096, text.length]) {
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
    let seen: unknown;
    const r = await run(chunks, async (input, output) => {
      seen = input.header;
      await echo(input, output);
      return { lines: output.count };
    });
    t.is(r.code, 0, r.err);
    t.deepEqual(
      r.out.slice(0, -1),
      lines.map((l) => `<${l}>`),
    );
    t.is(r.out.at(-1), `${FRAME_END}${TOKEN}\t${lines.length}\t{"lines":${lines.length}}`);
    t.deepEqual(seen, {
      partition: 2,
      attempt: 1,
      stage: 3,
      stageAttempt: 0,
      task: 17,
      taskPartition: 2,
      token: TOKEN,
      data: { stage: 'encoded' },
    });
  }
});

test('an empty partition, and lines that look like frames without the token, are data', async (t) => {
  const empty = await run([header(), trailer(0)], echo);
  t.is(empty.code, 0);
  t.deepEqual(empty.out, [`${FRAME_END}${TOKEN}\t0`]);
  const tricky = [`${FRAME_END}other\t1`, `${FRAME_ERROR}${TOKEN}`, '', `${FRAME_START}{}`];
  const r = await run([header(), ...tricky.map((l) => `${l}\n`), trailer(tricky.length)], echo);
  t.is(r.code, 0, r.err);
  t.deepEqual(
    r.out.slice(0, -1),
    tricky.map((l) => `<${l}>`),
  );
});

test('an input without its trailer (the upstream failed) fails the task: an error report and exit status 3', async (t) => {
  for (const input of [
    [header(), 'a\n', 'b\n'],
    [header(), 'a\n', 'b'],
    [header(), 'a\n', trailer(2)],
    [header(), 'a\n', `${FRAME_END}wrong\t1\n`],
    [header(), 'a\n', trailer(1), 'b\n'],
  ]) {
    const r = await run(input, echo);
    t.is(r.code, EXIT_INPUT_CUT, input.join('|'));
    const last = r.out.at(-1) ?? '';
    t.true(last.startsWith(`${FRAME_ERROR}${TOKEN}\t`), last);
    t.is(JSON.parse(last.slice(FRAME_ERROR.length + TOKEN.length + 1)).name, 'FramingError');
    t.false(r.out.some((l) => l.startsWith(FRAME_END)));
  }
});

test('a body that stops reading early still reads the whole input and checks the trailer', async (t) => {
  const first = async (input: TaskInput, output: TaskOutput): Promise<undefined> => {
    for await (const batch of input.batches) {
      await output.write(batch.slice(0, 1));
      break;
    }
    return undefined;
  };
  const ok = await run([header(), 'a\nb\n', 'c\n', trailer(3)], first);
  t.is(ok.code, 0, ok.err);
  t.deepEqual(ok.out, ['a', `${FRAME_END}${TOKEN}\t1`]);
  const cut = await run([header(), 'a\nb\n', 'c\n'], first);
  t.is(cut.code, EXIT_INPUT_CUT);
});

test("a throw or an unhandled rejection in the body is reported with the error's name, message and stack, exit status 1", async (t) => {
  const r = await run([header(), 'a\n', trailer(1)], async (input, output) => {
    await echo(input, output);
    throw new RangeError('too far');
  });
  t.is(r.code, EXIT_FAILED);
  const report = JSON.parse((r.out.at(-1) as string).slice(FRAME_ERROR.length + TOKEN.length + 1));
  t.is(report.name, 'RangeError');
  t.is(report.message, 'too far');
  t.regex(report.stack, /executor-io\.spec/);
  t.regex(r.err, /RangeError: too far/);
  const events = new EventEmitter();
  const r2 = await new Promise<number>((resolve) => {
    runTask(
      async () => {
        events.emit('unhandledRejection', new Error('forgotten'));
        await new Promise(() => {});
      },
      {
        stdin: Readable.from([Buffer.from(header() + trailer(0))]),
        stdout: new PassThrough(),
        stderr: new PassThrough(),
        events,
        exit: resolve,
      },
    );
  });
  t.is(r2, EXIT_FAILED);
});

test("a TaskError is reported as the user's original error, with the operator and RDD id it names", async (t) => {
  const r = await run([header(), trailer(0)], async () => {
    throw new TaskError('map', 4, 2, new SyntaxError('bad token'), 1);
  });
  t.is(r.code, EXIT_FAILED);
  const report = JSON.parse((r.out.at(-1) as string).slice(FRAME_ERROR.length + TOKEN.length + 1));
  t.like(report, { name: 'SyntaxError', message: 'bad token', operator: 'map', rddId: 4 });
  t.regex(report.stack, /^SyntaxError: bad token/);
});

test('an input with no header is refused', async (t) => {
  const r = await run(['a\n', 'b\n'], echo);
  t.is(r.code, EXIT_INPUT_CUT);
  t.regex(r.err, /does not start with a header line/);
  const none = await run([], echo);
  t.is(none.code, EXIT_INPUT_CUT);
});

test('as a process: stdin closed without a trailer makes the executor exit non-zero', async (t) => {
  const standIn = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stand-in-executor.ts');
  const exec = (input: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', standIn, 'upper'], {
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('close', (code) => resolve({ code, out }));
      child.stdin.end(input);
    });
  const ok = await exec(`${header()}a\nb\n${trailer(2)}`);
  t.is(ok.code, 0);
  t.is(ok.out, `A\nB\n${FRAME_END}${TOKEN}\t2\n`);
  const cut = await exec(`${header()}a\nb\n`);
  t.is(cut.code, EXIT_INPUT_CUT);
  // The last line is held back until it is known not to be the trailer: a cut input never shows it.
  t.true(cut.out.startsWith(`A\n${FRAME_ERROR}${TOKEN}\t{"name":"FramingError"`), cut.out);
});

test('UnsupportedOnSparkError names the operator and the reason', (t) => {
  const e = new UnsupportedOnSparkError('zipWithIndex', 'not in this release of the Spark bridge');
  t.is(e.name, 'UnsupportedOnSparkError');
  t.is(e.operator, 'zipWithIndex');
  t.is(e.message, 'zipWithIndex is not supported on Spark: not in this release of the Spark bridge');
});
