package sparkling.bridge;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the bridge learns about one request's Spark jobs: from the listener (jobs, stages, task
 * starts, task ends and failures) and from the report accumulator. Guarded by its own monitor.
 */
final class Job {
  final long req;
  final String group;
  final boolean progress;
  final long started = System.nanoTime();
  volatile boolean cancelled;

  private final List<Integer> sparkJobs = new ArrayList<>();
  private int jobsEnded;
  private int tasksLaunched;
  private int tasksFailed;
  /** "stage.attempt" → task count, in stage order. */
  private final Map<String, int[]> stages = new TreeMap<>();
  private final List<ObjectNode> failures = new ArrayList<>();
  private final List<ObjectNode> reports = new ArrayList<>();

  Job(long req, String group, boolean progress) {
    this.req = req;
    this.group = group;
    this.progress = progress;
  }

  synchronized void jobStarted(int sparkJob) {
    sparkJobs.add(sparkJob);
  }

  synchronized void jobEnded() {
    jobsEnded++;
    notifyAll();
  }

  synchronized int jobsStarted() {
    return sparkJobs.size();
  }

  synchronized void stageSubmitted(int stage, int attempt, int tasks) {
    stages.put(stage + "." + attempt, new int[] {stage, attempt, tasks});
  }

  synchronized void taskStarted() {
    tasksLaunched++;
  }

  synchronized void taskFailed(ObjectNode failure) {
    tasksFailed++;
    failures.add(failure);
  }

  synchronized void report(Reports.Entry e) {
    ObjectNode r = Out.object();
    r.put("stage", e.stage);
    r.put("stageAttempt", e.stageAttempt);
    r.put("partition", e.partition);
    r.put("attempt", e.attempt);
    r.put("task", e.task);
    r.put("report", e.report);
    reports.add(r);
  }

  /**
   * Waits until the listener has seen the end of `expected` Spark jobs of this request (their task
   * ends come before), so the figures below are complete; gives up after `ms`.
   */
  synchronized void awaitJobEnds(int expected, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000L;
    while (jobsEnded < Math.max(expected, sparkJobs.size())) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0) return;
      try {
        wait(left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * The failed attempt that ended the job, with its attempt count: the last failure of the task
   * that failed most often (the one that used up spark.task.maxFailures). Another partition's
   * failures may be reported after it, while its own attempts were still running.
   */
  synchronized ObjectNode failedTask() {
    ObjectNode worst = null;
    int most = 0;
    for (int i = failures.size() - 1; i >= 0; i--) {
      ObjectNode f = failures.get(i);
      if (!f.path("counts").asBoolean(true)) continue;
      int attempts = 0;
      for (ObjectNode g : failures) {
        if (g.path("counts").asBoolean(true)
            && g.path("stage").asInt() == f.path("stage").asInt()
            && g.path("partition").asInt() == f.path("partition").asInt()) attempts++;
      }
      if (attempts > most) {
        most = attempts;
        worst = f;
      }
    }
    if (worst == null) return null;
    ObjectNode t = worst.deepCopy();
    t.put("attempts", most);
    return t;
  }

  /** Adds `metrics`, `failures` and `reports` to a reply. */
  synchronized void describe(ObjectNode reply) {
    ObjectNode m = reply.putObject("metrics");
    ArrayNode jobs = m.putArray("sparkJobs");
    for (int id : sparkJobs) jobs.add(id);
    ArrayNode st = m.putArray("stages");
    for (int[] s : stages.values()) {
      ObjectNode o = st.addObject();
      o.put("stage", s[0]);
      o.put("attempt", s[1]);
      o.put("tasks", s[2]);
    }
    m.put("tasks", tasksLaunched);
    m.put("failedTasks", tasksFailed);
    m.put("ms", (System.nanoTime() - started) / 1_000_000L);
    reply.putArray("failures").addAll(failures);
    reply.putArray("reports").addAll(reports);
  }
}
