package sparkling.bridge;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.util.TaskCompletionListener;
import org.apache.spark.util.TaskInterruptListener;

/**
 * Pipes one partition through an executor process, with the frame protocol of a sparkling
 * executor (lib/spark/executor-io.ts). Into the process's stdin: one header line, the partition's
 * lines, one trailer line:
 *
 * <pre>
 *   \0start\t{"partition":p,"attempt":a,"stage":s,"stageAttempt":sa,"task":t,"taskPartition":tp,"token":"…","data":…}
 *   …the partition's lines, unchanged…
 *   \0end\t&lt;token&gt;\t&lt;number of lines&gt;
 * </pre>
 *
 * The executor must read its whole input and see that trailer before it may succeed: if the
 * upstream fails, stdin is closed without it. On its stdout it writes its lines, then its own
 * trailer, then exits 0:
 *
 * <pre>
 *   \0end\t&lt;token&gt;\t&lt;number of lines written&gt;[\t&lt;report: any JSON&gt;]
 * </pre>
 *
 * or, on an error, {@code \0error\t<token>\t<json report>} and a non-zero exit. The token is unique
 * per task attempt and unknown to the data, so no data line can pass for a frame line.
 *
 * <p>Like Spark's own pipe (JavaRDD.pipe), the process gets the executor's environment plus the
 * node's, a thread feeds it while the task reads its output (backpressure both ways), its stderr
 * goes to the executor's log, and a non-zero exit fails the task. Unlike it, the process is killed
 * as soon as the task is (a cancelled job leaves no process running), the task fails with the
 * upstream's own exception when the input failed, the failure carries the end of the process's
 * stderr, and {@code {{SPARK_FILES}}} in the command becomes the absolute directory of shipped
 * files on this executor (the driver's in local mode).
 */
final class Pipe implements Function2<Integer, Iterator<String>, Iterator<String>> {
  static final String START = "\u0000start\t";
  static final String END = "\u0000end\t";
  static final String ERROR = "\u0000error\t";
  private static final int STDERR_TAIL = 20;

  private final List<String> command;
  private final Map<String, String> env;
  private final String data;
  private final String secret;
  private final Reports reports;

  Pipe(List<String> command, Map<String, String> env, String data, String secret, Reports reports) {
    this.command = new ArrayList<>(command);
    this.env = new HashMap<>(env);
    this.data = data;
    this.secret = secret;
    this.reports = reports;
  }

  @Override
  public Iterator<String> call(Integer index, Iterator<String> input) throws IOException {
    TaskContext tc = TaskContext.get();
    String token = secret + "-" + tc.taskAttemptId();
    String files = new File(SparkFiles.getRootDirectory()).getAbsoluteFile().toPath().normalize().toString();
    List<String> cmd = new ArrayList<>(command.size());
    for (String a : command) cmd.add(a.replace(Session.FILES_PLACEHOLDER, files));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> penv = pb.environment();
    for (Map.Entry<String, String> e : env.entrySet()) {
      penv.put(e.getKey(), e.getValue().replace(Session.FILES_PLACEHOLDER, files));
    }
    penv.put("SPARKLING_SPARK_FILES", files);
    Process proc = pb.start();
    String header =
        START
            + "{\"partition\":" + index
            + ",\"attempt\":" + tc.attemptNumber()
            + ",\"stage\":" + tc.stageId()
            + ",\"stageAttempt\":" + tc.stageAttemptNumber()
            + ",\"task\":" + tc.taskAttemptId()
            + ",\"taskPartition\":" + tc.partitionId()
            + ",\"token\":\"" + token + "\""
            + ",\"data\":" + data + "}";
    Feeder feeder = new Feeder(proc, header, input, token);
    Stderr stderr = new Stderr(proc);
    // A killed task (a cancelled job, a speculative copy) kills its process at once: the task thread
    // may be blocked reading the process's output, which only the process's end releases.
    tc.addTaskInterruptListener((TaskInterruptListener) (ctx, reason) -> proc.destroyForcibly());
    tc.addTaskCompletionListener((TaskCompletionListener) ctx -> {
      if (proc.isAlive()) proc.destroyForcibly();
    });
    feeder.start();
    stderr.start();
    return new Output(tc, proc, feeder, stderr, token, String.join(" ", command));
  }

  /** Writes header, lines and trailer to the process; records an upstream failure (then no trailer). */
  private static final class Feeder extends Thread {
    private final Process proc;
    private final String header;
    private final Iterator<String> input;
    private final String token;
    volatile Throwable upstream;

    Feeder(Process proc, String header, Iterator<String> input, String token) {
      super("sparkling executor stdin writer");
      setDaemon(true);
      this.proc = proc;
      this.header = header;
      this.input = input;
      this.token = token;
    }

    @Override
    public void run() {
      try (Writer w = new BufferedWriter(new OutputStreamWriter(proc.getOutputStream(), StandardCharsets.UTF_8), 1 << 16)) {
        w.write(header);
        w.write('\n');
        long n = 0;
        while (true) {
          String line;
          try {
            if (!input.hasNext()) break;
            line = input.next();
          } catch (Throwable t) {
            upstream = t;
            return; // stdin closes without a trailer: the executor must fail
          }
          w.write(line);
          w.write('\n');
          n++;
        }
        w.write(END + token + "\t" + n + "\n");
      } catch (IOException e) {
        // The process stopped reading (it exited, or was killed): its exit status says why.
      }
    }
  }

  /** Copies the process's stderr to the executor's, keeping its last lines for failure messages. */
  private static final class Stderr extends Thread {
    private final Process proc;
    private final Deque<String> tail = new ArrayDeque<>();

    Stderr(Process proc) {
      super("sparkling executor stderr reader");
      setDaemon(true);
      this.proc = proc;
    }

    @Override
    public void run() {
      try (BufferedReader r =
          new BufferedReader(new InputStreamReader(proc.getErrorStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          System.err.println(line);
          synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > STDERR_TAIL) tail.removeFirst();
          }
        }
      } catch (IOException e) {
        // The process is gone.
      }
    }

    String tail() {
      try {
        join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      synchronized (tail) {
        return String.join("\n", tail);
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException rethrow(Throwable t) throws E {
    throw (E) t;
  }

  /** The process's lines; checks its trailer, its exit status, and reports the upstream's failure first. */
  private final class Output implements Iterator<String> {
    private final TaskContext tc;
    private final Process proc;
    private final Feeder feeder;
    private final Stderr stderr;
    private final String endPrefix;
    private final String errorPrefix;
    private final String what;
    private final BufferedReader out;
    private String next;
    private boolean done;
    private long count;

    Output(TaskContext tc, Process proc, Feeder feeder, Stderr stderr, String token, String what) {
      this.tc = tc;
      this.proc = proc;
      this.feeder = feeder;
      this.stderr = stderr;
      this.endPrefix = END + token + "\t";
      this.errorPrefix = ERROR + token + "\t";
      this.what = what;
      this.out =
          new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8), 1 << 16);
    }

    /** `e`, unless the input failed: then the input's exception (`e` suppressed in it). */
    private RuntimeException fail(Throwable e) {
      try {
        feeder.join(5_000);
      } catch (InterruptedException x) {
        Thread.currentThread().interrupt();
      }
      Throwable up = feeder.upstream;
      if (proc.isAlive()) proc.destroyForcibly();
      if (up != null) {
        up.addSuppressed(e);
        throw rethrow(up);
      }
      throw rethrow(e);
    }

    private String read() {
      try {
        return out.readLine();
      } catch (IOException e) {
        if (tc.isInterrupted()) throw rethrow(new InterruptedException("the task was killed"));
        throw fail(e);
      }
    }

    private int exitStatus() {
      try {
        return proc.waitFor();
      } catch (InterruptedException e) {
        proc.destroyForcibly();
        Thread.currentThread().interrupt();
        throw rethrow(e);
      }
    }

    private ExecutorExit exited(int status) {
      String err = stderr.tail();
      return new ExecutorExit(
          "the executor exited with status " + status + " (" + what + ")"
              + (err.isEmpty() ? "" : "; its stderr ended with:\n" + err));
    }

    private void advance() {
      if (next != null || done) return;
      String line = read();
      if (line == null) {
        int status = exitStatus();
        if (status != 0) throw fail(exited(status));
        throw fail(new ProtocolException(
            "the executor's output ended after " + count + " lines without its end-of-output trailer"
                + " (it must write \\0end\\t<token>\\t<count> last, then exit 0)"));
      }
      if (!line.isEmpty() && line.charAt(0) == '\u0000') {
        if (line.startsWith(endPrefix)) {
          finish(line.substring(endPrefix.length()));
          return;
        }
        if (line.startsWith(errorPrefix)) {
          throw fail(new ExecutorFailure(line.substring(errorPrefix.length())));
        }
      }
      count++;
      next = line;
    }

    private void finish(String rest) {
      int tab = rest.indexOf('\t');
      String n = tab < 0 ? rest : rest.substring(0, tab);
      long declared;
      try {
        declared = Long.parseLong(n);
      } catch (NumberFormatException e) {
        throw fail(new ProtocolException("the executor's trailer has no line count: " + rest));
      }
      if (declared != count) {
        throw fail(new ProtocolException(
            "the executor's trailer counts " + declared + " lines but " + count + " arrived"));
      }
      if (read() != null) throw fail(new ProtocolException("the executor wrote lines after its trailer"));
      int status = exitStatus();
      if (status != 0) throw fail(exited(status));
      if (feeder.upstream != null) throw fail(feeder.upstream);
      done = true;
      String report = tab < 0 ? "" : rest.substring(tab + 1);
      if (!report.isEmpty()) reports.add(Reports.entry(tc, report));
    }

    @Override
    public boolean hasNext() {
      advance();
      return next != null;
    }

    @Override
    public String next() {
      advance();
      if (next == null) throw new NoSuchElementException();
      String line = next;
      next = null;
      return line;
    }
  }
}
