package sparkling.bridge;

import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function2;

/**
 * The framing around every partition that crosses a sparkling executor process (a `pipe` node with
 * framing "sparkling").
 *
 * <p>Into the process's stdin: one header line, the partition's lines, one trailer line:
 *
 * <pre>
 *   \0start\t{"partition":p,"attempt":a,"stage":s,"stageAttempt":sa,"task":t,"taskPartition":tp,"token":"…","data":…}
 *   …the partition's lines, unchanged…
 *   \0end\t&lt;token&gt;\t&lt;number of lines&gt;
 * </pre>
 *
 * The executor must read its whole input and see that trailer (same token, same count) before it
 * may succeed: if the upstream iterator fails, Spark's pipe closes stdin early and the trailer is
 * missing. On its stdout it writes its lines, then its own trailer, then exits 0:
 *
 * <pre>
 *   \0end\t&lt;token&gt;\t&lt;number of lines written&gt;[\t&lt;report: any JSON&gt;]
 * </pre>
 *
 * or, on an error, {@code \0error\t<token>\t<json report>} and a non-zero exit. The token is unique
 * per task attempt and unknown to the data, so no data line can pass for a frame line.
 */
final class Framing {
  static final String START = "\u0000start\t";
  static final String END = "\u0000end\t";
  static final String ERROR = "\u0000error\t";

  /**
   * The upstream failure of each running task attempt in this JVM. When the pipe's input fails,
   * Spark closes the executor's stdin early; the executor sees no trailer and exits non-zero, and
   * Spark's pipe would report only "Subprocess exited with status 3". The task fails with the
   * upstream's own exception instead (a corrupt input file, a lost shuffle block ...).
   */
  private static final Map<Long, Throwable> UPSTREAM = new ConcurrentHashMap<>();

  private Framing() {}

  @SuppressWarnings("unchecked")
  private static <E extends Throwable> RuntimeException rethrow(Throwable t) throws E {
    throw (E) t;
  }

  /** The upstream's exception if the input of this task attempt failed (`also` suppressed in it), else `e`. */
  private static Throwable cause(TaskContext tc, Throwable e) {
    Throwable up = UPSTREAM.get(tc.taskAttemptId());
    if (up == null || up == e) return e;
    if (e != null) up.addSuppressed(e);
    return up;
  }

  static String token(String secret, TaskContext tc) {
    return secret + "-" + tc.taskAttemptId();
  }

  /** mapPartitionsWithIndex before the pipe: header, lines, trailer. Runs in the pipe's stdin writer thread. */
  static final class Input implements Function2<Integer, Iterator<String>, Iterator<String>> {
    private final String data;
    private final String secret;

    Input(String data, String secret) {
      this.data = data;
      this.secret = secret;
    }

    @Override
    public Iterator<String> call(Integer index, Iterator<String> lines) {
      final int partition = index;
      return new Iterator<String>() {
        private int state; // 0: header next, 1: lines, 2: trailer next, 3: done
        private long count;
        private String token;

        private boolean upstreamHasNext() {
          try {
            return lines.hasNext();
          } catch (Throwable t) {
            throw remember(t);
          }
        }

        private RuntimeException remember(Throwable t) {
          TaskContext tc = TaskContext.get();
          if (tc != null) {
            long id = tc.taskAttemptId();
            if (UPSTREAM.putIfAbsent(id, t) == null) {
              tc.addTaskCompletionListener(c -> {
                UPSTREAM.remove(id);
              });
            }
          }
          throw rethrow(t);
        }

        @Override
        public boolean hasNext() {
          if (state == 1 && !upstreamHasNext()) state = 2;
          return state != 3;
        }

        @Override
        public String next() {
          if (!hasNext()) throw new NoSuchElementException();
          if (state == 0) {
            TaskContext tc = TaskContext.get();
            token = token(secret, tc);
            state = 1;
            return START
                + "{\"partition\":" + partition
                + ",\"attempt\":" + tc.attemptNumber()
                + ",\"stage\":" + tc.stageId()
                + ",\"stageAttempt\":" + tc.stageAttemptNumber()
                + ",\"task\":" + tc.taskAttemptId()
                + ",\"taskPartition\":" + tc.partitionId()
                + ",\"token\":\"" + token + "\""
                + ",\"data\":" + data + "}";
          }
          if (state == 1) {
            count++;
            try {
              return lines.next();
            } catch (Throwable t) {
              throw remember(t);
            }
          }
          state = 3;
          return END + token + "\t" + count;
        }
      };
    }
  }

  /**
   * mapPartitions after the pipe: passes the executor's lines through, checks its trailer (token,
   * count, nothing after it), sends its report to the driver, and fails the task on an error
   * report or a missing trailer. Reading past the trailer makes Spark's pipe check the exit code.
   */
  static final class Output implements FlatMapFunction<Iterator<String>, String> {
    private final String secret;
    private final Reports reports;

    Output(String secret, Reports reports) {
      this.secret = secret;
      this.reports = reports;
    }

    @Override
    public Iterator<String> call(Iterator<String> lines) {
      TaskContext tc = TaskContext.get();
      String token = token(secret, tc);
      String endPrefix = END + token + "\t";
      String errorPrefix = ERROR + token + "\t";
      return new Iterator<String>() {
        private String next;
        private boolean ended;
        private long count;

        private boolean more() {
          try {
            return lines.hasNext();
          } catch (Throwable t) {
            throw rethrow(cause(tc, t));
          }
        }

        private void advance() {
          if (next != null || ended) return;
          if (!more()) {
            throw fail(new ProtocolException(
                "the executor's output ended after " + count + " lines without its end-of-output trailer"
                    + " (it must write \\0end\\t<token>\\t<count> last and exit 0)"));
          }
          String line = lines.next();
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

        private RuntimeException fail(RuntimeException e) {
          throw rethrow(cause(tc, e));
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
          // Reading on makes the pipe wait for the process and check its exit status.
          if (more()) {
            throw fail(new ProtocolException("the executor wrote lines after its end-of-output trailer"));
          }
          ended = true;
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
      };
    }
  }
}
