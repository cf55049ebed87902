package sparkling.bridge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.scheduler.StageInfo;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Spark's listener events, attributed to the request whose job group started them: which Spark
 * jobs and stages ran, how many tasks, every failed attempt with its reason, and (when the request
 * asked) a progress message per finished task.
 */
final class Tracker extends SparkListener {
  private final Map<String, Job> byGroup;
  private final Out out;
  private final Runnable onApplicationEnd;
  private final Map<Integer, Job> byJob = new ConcurrentHashMap<>();
  private final Map<Integer, Job> byStage = new ConcurrentHashMap<>();

  Tracker(Map<String, Job> byGroup, Out out, Runnable onApplicationEnd) {
    this.byGroup = byGroup;
    this.out = out;
    this.onApplicationEnd = onApplicationEnd;
  }

  /** Drops what is kept for a finished request. */
  void forget(Job j) {
    byJob.values().removeIf(x -> x == j);
    byStage.values().removeIf(x -> x == j);
  }

  @Override
  public void onJobStart(SparkListenerJobStart e) {
    String group = e.properties() == null ? null : e.properties().getProperty(Session.GROUP_PROPERTY);
    Job j = group == null ? null : byGroup.get(group);
    if (j == null) return;
    byJob.put(e.jobId(), j);
    scala.collection.Iterator<Object> it = e.stageIds().iterator();
    while (it.hasNext()) byStage.put((Integer) it.next(), j);
    j.jobStarted(e.jobId());
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd e) {
    Job j = byJob.remove(e.jobId());
    if (j != null) j.jobEnded();
  }

  @Override
  public void onStageSubmitted(SparkListenerStageSubmitted e) {
    StageInfo s = e.stageInfo();
    Job j = byStage.get(s.stageId());
    if (j != null) j.stageSubmitted(s.stageId(), s.attemptNumber(), s.numTasks());
  }

  @Override
  public void onTaskStart(SparkListenerTaskStart e) {
    Job j = byStage.get(e.stageId());
    if (j != null) j.taskStarted();
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd e) {
    Job j = byStage.get(e.stageId());
    if (j == null) return;
    TaskInfo info = e.taskInfo();
    if (info.successful()) {
      if (j.progress) {
        ObjectNode p = Out.object();
        p.put("req", j.req);
        p.put("type", "progress");
        p.put("stage", e.stageId());
        p.put("stageAttempt", e.stageAttemptId());
        p.put("partition", info.index());
        p.put("attempt", info.attemptNumber());
        p.put("executor", info.executorId());
        p.put("host", info.host());
        p.put("ms", info.duration());
        out.send(p);
      }
      return;
    }
    TaskEndReason reason = e.reason();
    ObjectNode f = Out.object();
    f.put("stage", e.stageId());
    f.put("stageAttempt", e.stageAttemptId());
    f.put("partition", info.index());
    f.put("attempt", info.attemptNumber());
    f.put("executor", info.executorId());
    f.put("host", info.host());
    if (reason instanceof ExceptionFailure x) {
      f.put("class", x.className());
      f.put("message", x.description());
      f.put("stack", x.fullStackTrace());
    } else {
      String name = reason.getClass().getSimpleName();
      f.put("class", name.endsWith("$") ? name.substring(0, name.length() - 1) : name);
      f.put("message", reason instanceof TaskFailedReason t ? t.toErrorString() : reason.toString());
    }
    f.put("counts", !(reason instanceof TaskFailedReason t) || t.countTowardsTaskFailures());
    j.taskFailed(f);
  }

  @Override
  public void onApplicationEnd(SparkListenerApplicationEnd e) {
    onApplicationEnd.run();
  }
}
