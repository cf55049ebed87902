/**
 * A driver program that starts a bridge and never calls stop(), for the
 * bridge spec's lifecycle tests (run as a child process). Not a spec file.
 *
 *   orphan-driver.ts exit MASTER SPARK_HOME EXECUTOR - ARCHIVE
 *     ships ARCHIVE (a tgz with executor.mjs) as `tools`, runs one job through
 *     {{SPARK_FILES}}/tools/executor.mjs, prints {pid, app, lines}, and
 *     returns: the process must end by itself (an idle bridge holds no
 *     reference on the event loop)
 *   orphan-driver.ts hang MASTER SPARK_HOME EXECUTOR PID_DIR
 *     starts a job whose tasks sleep a minute, prints {pid, app} once they
 *     run, and waits for its parent to SIGKILL it
 */
import { readdirSync } from 'node:fs';
import { SparkBridge } from '../../lib/spark/bridge.js';

const [mode, master, home, executor, pidDir, archive] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const bridge = await SparkBridge.start({
  master,
  home,
  appName: `sparkling-orphan-${mode}`,
  archives: mode === 'exit' ? [`${archive}#tools`] : [],
  conf: {
    'spark.cores.max': 1,
    'spark.ui.port': 0,
    'spark.driver.memory': '512m',
    'spark.executor.memory': '512m',
    'spark.driver.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
    'spark.executor.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
  },
});
const say = (lines?: string[][]): void => {
  process.stdout.write(`${JSON.stringify({ pid: bridge.pid, app: bridge.info.applicationId, lines })}\n`);
};
const slices = { id: 's', kind: 'slices' as const, slices: [['a'], ['b']] };
if (mode === 'exit') {
  const { partitions } = await bridge.collect({
    rdds: [
      slices,
      {
        id: 'u',
        kind: 'pipe',
        input: 's',
        command: [process.execPath, '{{SPARK_FILES}}/tools/executor.mjs', 'upper'],
      },
    ],
    action: { kind: 'collect', rdd: 'u' },
  });
  say(partitions);
} else {
  const job = bridge.run({
    rdds: [
      slices,
      { id: 'p', kind: 'pipe', input: 's', command: [process.execPath, executor, 'sleep', '60000', pidDir] },
    ],
    action: { kind: 'run', rdd: 'p' },
  });
  job.catch(() => {});
  const timer = setInterval(() => {
    if (readdirSync(pidDir).length > 0) {
      clearInterval(timer);
      say();
    }
  }, 200);
}
