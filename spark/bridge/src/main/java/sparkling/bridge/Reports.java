package sparkling.bridge;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.TaskContext;
import org.apache.spark.util.AccumulatorV2;

/**
 * Carries executors' trailer reports from tasks to the driver. One unnamed accumulator per bridge;
 * Spark merges a task's copy on the driver only when the task succeeded, so a failed attempt's
 * report never arrives. The driver-side instance keeps nothing: it hands each entry to the sink,
 * which routes it to the request whose job group the task ran under.
 */
final class Reports extends AccumulatorV2<Reports.Entry, Void> {
  /** One executor report with the task attempt that wrote it. */
  static final class Entry implements Serializable {
    final String group;
    final int stage;
    final int stageAttempt;
    final int partition;
    final int attempt;
    final long task;
    final String report;

    Entry(String group, int stage, int stageAttempt, int partition, int attempt, long task, String report) {
      this.group = group;
      this.stage = stage;
      this.stageAttempt = stageAttempt;
      this.partition = partition;
      this.attempt = attempt;
      this.task = task;
      this.report = report;
    }
  }

  static Entry entry(TaskContext tc, String report) {
    return new Entry(
        tc.getLocalProperty(Session.GROUP_PROPERTY),
        tc.stageId(),
        tc.stageAttemptNumber(),
        tc.partitionId(),
        tc.attemptNumber(),
        tc.taskAttemptId(),
        report);
  }

  private ArrayList<Entry> entries = new ArrayList<>();
  /** Driver side only: where merged entries go. */
  private transient Consumer<Entry> sink;

  Reports() {}

  Reports(Consumer<Entry> sink) {
    this.sink = sink;
  }

  // Synchronized: two pipes of one task (a pipe feeding a pipe) add from two threads.
  @Override
  public synchronized boolean isZero() {
    return entries.isEmpty();
  }

  @Override
  public synchronized Reports copy() {
    Reports r = new Reports();
    r.entries = new ArrayList<>(entries);
    return r;
  }

  @Override
  public synchronized void reset() {
    entries = new ArrayList<>();
  }

  @Override
  public synchronized void add(Entry e) {
    entries.add(e);
  }

  @Override
  public synchronized void merge(AccumulatorV2<Entry, Void> other) {
    List<Entry> more;
    synchronized (other) {
      more = new ArrayList<>(((Reports) other).entries);
    }
    if (sink != null) {
      for (Entry e : more) sink.accept(e);
    } else {
      entries.addAll(more);
    }
  }

  @Override
  public Void value() {
    return null;
  }
}
