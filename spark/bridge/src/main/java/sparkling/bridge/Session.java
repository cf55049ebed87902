package sparkling.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.io.compress.BZip2Codec;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.DefaultCodec;
import org.apache.hadoop.io.compress.GzipCodec;
import org.apache.spark.SimpleFutureAction;
import org.apache.spark.SparkException;
import org.apache.spark.SparkFiles;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import scala.Function0;
import scala.Function1;
import scala.Function2;
import scala.runtime.BoxedUnit;
import scala.util.Try;

/**
 * One driver's session: named RDDs, running requests, and the handling of each request line.
 * Definitions, persistence and cancellation are handled in order on the reader thread; a job runs
 * on its own thread under its own job group, so jobs run concurrently and can be cancelled.
 */
final class Session {
  static final String GROUP_PROPERTY = "spark.jobGroup.id";
  /** Replaced in a pipe command's arguments and environment by the directory where shipped files are. */
  static final String FILES_PLACEHOLDER = "{{SPARK_FILES}}";

  private final JavaSparkContext jsc;
  private final Out out;
  private final String secret;
  private final Reports reports;
  private final String filesRoot;
  private final Map<String, Job> jobs = new ConcurrentHashMap<>();
  private final Map<Long, String> groups = new ConcurrentHashMap<>();
  private final Map<String, JavaRDD<String>> named = new ConcurrentHashMap<>();
  private final ExecutorService pool =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "sparkling-bridge-job");
            t.setDaemon(true);
            return t;
          });

  Session(JavaSparkContext jsc, Out out, String secret) {
    this.jsc = jsc;
    this.out = out;
    this.secret = secret;
    this.reports =
        new Reports(
            e -> {
              Job j = e.group == null ? null : jobs.get(e.group);
              if (j != null) j.report(e);
            });
    jsc.sc().register(reports);
    // In local mode tasks run in the driver's working directory and shipped files land in the
    // driver's SparkFiles directory; on a cluster an executor's working directory is where they are.
    this.filesRoot = jsc.isLocal() ? SparkFiles.getRootDirectory() : ".";
  }

  Map<String, Job> jobs() {
    return jobs;
  }

  String filesRoot() {
    return filesRoot;
  }

  /** Handles one request line; false for `stop`. */
  boolean handle(String line) {
    long req = -1;
    try {
      JsonNode msg = Out.JSON.readTree(line);
      if (msg == null || !msg.isObject()) throw new ProtocolException("a request must be a JSON object");
      req = msg.path("req").asLong(-1);
      String op = msg.path("op").asText("");
      switch (op) {
        case "define" -> ok(req, define(msg));
        case "persist" -> {
          rdd(msg.path("rdd").asText()).persist(level(msg.path("level").asText("MEMORY_ONLY")));
          ok(req, null);
        }
        case "unpersist" -> {
          rdd(msg.path("rdd").asText()).unpersist(msg.path("blocking").asBoolean(false));
          ok(req, null);
        }
        case "release" -> {
          for (JsonNode id : msg.path("rdds")) {
            JavaRDD<String> r = named.remove(id.asText());
            if (r != null && !r.getStorageLevel().equals(StorageLevel.NONE())) r.unpersist(false);
          }
          ok(req, null);
        }
        case "addFile" -> {
          String path = required(msg, "path");
          if (msg.path("archive").asBoolean(false)) jsc.sc().addArchive(path);
          else jsc.addFile(path);
          ok(req, null);
        }
        case "job" -> {
          long r = req;
          String group = "sparkling-" + secret + "-" + r;
          Job j = new Job(r, group, msg.path("progress").asBoolean(false));
          jobs.put(group, j);
          groups.put(r, group);
          pool.execute(() -> job(j, msg));
        }
        case "cancel" -> {
          String group = groups.get(msg.path("job").asLong(-1));
          if (group != null) {
            Job j = jobs.get(group);
            if (j != null) j.cancelled = true;
            jsc.cancelJobGroup(group);
          }
          ok(req, null);
        }
        case "stop" -> {
          return false;
        }
        default -> throw new ProtocolException("unknown op: " + (op.isEmpty() ? "(none)" : op));
      }
    } catch (Throwable e) {
      ObjectNode reply = reply(req, "error");
      reply.set("error", error(e));
      out.send(reply);
    }
    return true;
  }

  /** Cancels running jobs and waits a little for their threads. */
  void shutdown() {
    jsc.cancelAllJobs();
    pool.shutdown();
    try {
      pool.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // --- Requests ---

  private ObjectNode define(JsonNode msg) {
    Map<String, JavaRDD<String>> built = new LinkedHashMap<>();
    for (JsonNode node : msg.path("rdds")) {
      String id = required(node, "id");
      built.put(id, build(node, built));
    }
    ObjectNode partitions = Out.object();
    for (Map.Entry<String, JavaRDD<String>> e : built.entrySet()) {
      partitions.put(e.getKey(), e.getValue().getNumPartitions());
    }
    named.putAll(built);
    ObjectNode result = Out.object();
    result.set("partitions", partitions);
    return result;
  }

  private void job(Job j, JsonNode msg) {
    String group = j.group;
    int expected = 0;
    ObjectNode reply;
    try {
      jsc.setJobGroup(group, msg.path("description").asText("sparkling request " + j.req), true);
      Map<String, JavaRDD<String>> local = new HashMap<>();
      for (JsonNode node : msg.path("rdds")) local.put(required(node, "id"), build(node, local));
      JsonNode action = msg.path("action");
      JavaRDD<String> rdd = resolve(required(action, "rdd"), local);
      String kind = required(action, "kind");
      ObjectNode result = Out.object();
      switch (kind) {
        case "collect" -> {
          int[] parts = partitions(action.path("partitions"), rdd.getNumPartitions());
          int limit = action.path("limit").asInt(-1);
          AtomicLong lines = new AtomicLong();
          // Spark hands each result with its position in `parts`.
          Function2<Object, String[], BoxedUnit> handler =
              (i, ls) -> {
                ObjectNode h = reply(j.req, "lines");
                h.put("partition", parts[(Integer) i]);
                out.frame(h, ls);
                lines.addAndGet(ls.length);
                return BoxedUnit.UNIT;
              };
          expected = run(rdd, new Collect(limit), parts, handler);
          result.put("partitions", parts.length);
          result.put("lines", lines.get());
        }
        case "count" -> {
          AtomicLong n = new AtomicLong();
          Function2<Object, Long, BoxedUnit> handler =
              (i, c) -> {
                n.addAndGet(c);
                return BoxedUnit.UNIT;
              };
          expected = run(rdd, new Count(), all(rdd), handler);
          result.put("count", n.get());
        }
        case "run" -> {
          Function2<Object, Long, BoxedUnit> handler = (i, c) -> BoxedUnit.UNIT;
          expected = run(rdd, new Count(), all(rdd), handler);
        }
        case "save" -> {
          String path = required(action, "path");
          expected = 1;
          Class<? extends CompressionCodec> codec = codec(action.path("codec").asText(""));
          if (codec == null) rdd.saveAsTextFile(path);
          else rdd.saveAsTextFile(path, codec);
          result.put("path", path);
        }
        default -> throw new ProtocolException("unknown action kind: " + kind);
      }
      j.awaitJobEnds(expected, 10_000);
      reply = reply(j.req, "done");
      reply.set("result", result);
    } catch (Throwable e) {
      if (e instanceof Wrapped w) expected = w.jobs;
      else if (expected == 0 && (j.jobsStarted() > 0 || mentionsJob(e))) expected = 1;
      j.awaitJobEnds(expected, 10_000);
      reply = reply(j.req, "failed");
      reply.set("error", error(e));
      reply.put("cancelled", j.cancelled);
      ObjectNode task = j.failedTask();
      if (task != null) reply.set("task", task);
      else reply.putNull("task");
    } finally {
      jsc.clearJobGroup();
    }
    j.describe(reply);
    jobs.remove(group);
    groups.remove(j.req);
    tracker.forget(j);
    out.send(reply);
  }

  private Tracker tracker;

  void tracker(Tracker t) {
    this.tracker = t;
  }

  /** Runs one Spark job over `parts`, results to `handler` as tasks finish; the number of Spark jobs. */
  private <U> int run(JavaRDD<String> rdd, Function1<scala.collection.Iterator<String>, U> fn, int[] parts,
      Function2<Object, U, BoxedUnit> handler) throws Throwable {
    List<Object> list = new ArrayList<>(parts.length);
    for (int p : parts) list.add(p);
    scala.collection.immutable.Seq<Object> seq =
        scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();
    Function0<BoxedUnit> done = () -> BoxedUnit.UNIT;
    SimpleFutureAction<BoxedUnit> f = jsc.sc().submitJob(rdd.rdd(), fn, seq, handler, done);
    scala.concurrent.Await.ready(f, scala.concurrent.duration.Duration.Inf());
    int n = f.jobIds().size();
    Try<BoxedUnit> t = f.value().get();
    if (t.isFailure()) {
      Throwable e = t.failed().get();
      throw new Wrapped(e, n);
    }
    return n;
  }

  /** Carries how many Spark jobs a failed action ran. */
  private static final class Wrapped extends Exception {
    final int jobs;

    Wrapped(Throwable cause, int jobs) {
      super(cause);
      this.jobs = jobs;
    }
  }

  // --- Building RDDs ---

  private JavaRDD<String> build(JsonNode node, Map<String, JavaRDD<String>> scope) {
    String kind = required(node, "kind");
    return switch (kind) {
      case "textFile" -> {
        String path = required(node, "path");
        int min = node.path("minPartitions").asInt(jsc.defaultMinPartitions());
        yield jsc.textFile(path, min);
      }
      case "slices" -> {
        List<ArrayList<String>> slices = new ArrayList<>();
        for (JsonNode s : node.path("slices")) {
          ArrayList<String> lines = new ArrayList<>(s.size());
          for (JsonNode l : s) lines.add(l.asText());
          slices.add(lines);
        }
        if (slices.isEmpty()) yield jsc.emptyRDD();
        // n elements in n slices: Spark puts element i, the driver's slice i, in partition i.
        yield jsc.parallelize(slices, slices.size()).flatMap(ArrayList::iterator);
      }
      case "pipe" -> {
        JavaRDD<String> input = resolve(required(node, "input"), scope);
        List<String> command = new ArrayList<>();
        for (JsonNode a : node.path("command")) command.add(a.asText());
        if (command.isEmpty()) throw new ProtocolException("pipe needs a command");
        Map<String, String> env = new HashMap<>();
        for (Map.Entry<String, JsonNode> e : node.path("env").properties()) env.put(e.getKey(), e.getValue().asText());
        String framing = node.path("framing").asText("sparkling");
        if (framing.equals("raw")) {
          // Spark's own pipe, as JavaRDD.pipe does it: the command as given, lines in and out.
          for (int i = 0; i < command.size(); i++) command.set(i, command.get(i).replace(FILES_PLACEHOLDER, filesRoot));
          env.replaceAll((k, v) -> v.replace(FILES_PLACEHOLDER, filesRoot));
          yield input.pipe(command, env, false, 1 << 16, "UTF-8");
        }
        if (!framing.equals("sparkling")) throw new ProtocolException("unknown framing: " + framing);
        String data = node.has("data") ? node.get("data").toString() : "null";
        yield input.mapPartitionsWithIndex(new Pipe(command, env, data, secret, reports), true);
      }
      case "shuffle" -> {
        JavaRDD<String> input = resolve(required(node, "input"), scope);
        int n = node.path("partitions").asInt(0);
        if (n <= 0) throw new ProtocolException("shuffle needs partitions > 0");
        String order = node.path("order").asText("map");
        Shuffle.Identity partitioner = new Shuffle.Identity(n);
        if (order.equals("none")) {
          yield input.mapPartitionsToPair(new Shuffle.KeyTarget(n)).partitionBy(partitioner).values();
        }
        if (!order.equals("map")) throw new ProtocolException("unknown shuffle order: " + order);
        yield input
            .mapPartitionsToPair(new Shuffle.KeyOrdered(n))
            .repartitionAndSortWithinPartitions(partitioner, new Shuffle.MapOrder())
            .values();
      }
      case "gather" -> {
        List<org.apache.spark.rdd.RDD<String>> inputs = new ArrayList<>();
        for (JsonNode id : node.path("inputs")) inputs.add(resolve(id.asText(), scope).rdd());
        JsonNode parts = node.path("partitions");
        int[][] reads = new int[parts.size()][];
        String[] heads = new String[parts.size()];
        for (int k = 0; k < reads.length; k++) {
          JsonNode rs = parts.get(k).path("reads");
          reads[k] = new int[rs.size() * 2];
          for (int s = 0; s < rs.size(); s++) {
            int i = rs.get(s).path(0).asInt(-1);
            int p = rs.get(s).path(1).asInt(-1);
            if (i < 0 || i >= inputs.size()) throw new ProtocolException("gather: no input " + rs.get(s).path(0));
            if (p < 0 || p >= inputs.get(i).getNumPartitions())
              throw new ProtocolException("gather: input " + i + " has no partition " + rs.get(s).path(1));
            reads[k][2 * s] = i;
            reads[k][2 * s + 1] = p;
          }
          JsonNode head = parts.get(k).path("head");
          heads[k] = head.isTextual() ? head.asText() : null;
        }
        yield new JavaRDD<>(new Gather(jsc.sc(), inputs, reads, heads), Gather.STRING);
      }
      case "union" -> {
        List<JavaRDD<String>> inputs = new ArrayList<>();
        for (JsonNode id : node.path("inputs")) inputs.add(resolve(id.asText(), scope));
        if (inputs.isEmpty()) yield jsc.emptyRDD();
        if (inputs.size() == 1) yield inputs.get(0);
        @SuppressWarnings({"unchecked", "rawtypes"})
        JavaRDD<String>[] array = inputs.toArray(new JavaRDD[0]);
        yield jsc.union(array);
      }
      default -> throw new ProtocolException("unknown rdd kind: " + kind);
    };
  }

  private JavaRDD<String> resolve(String id, Map<String, JavaRDD<String>> scope) {
    JavaRDD<String> r = scope.get(id);
    return r != null ? r : rdd(id);
  }

  private JavaRDD<String> rdd(String id) {
    JavaRDD<String> r = named.get(id);
    if (r == null) throw new ProtocolException("no rdd named " + id);
    return r;
  }

  // --- Task functions (shipped to executors) ---

  /** A partition's lines, at most `limit` of them when limit >= 0. */
  static final class Collect implements Function1<scala.collection.Iterator<String>, String[]>, Serializable {
    private final int limit;

    Collect(int limit) {
      this.limit = limit;
    }

    @Override
    public String[] apply(scala.collection.Iterator<String> it) {
      ArrayList<String> lines = new ArrayList<>();
      while ((limit < 0 || lines.size() < limit) && it.hasNext()) lines.add(it.next());
      return lines.toArray(new String[0]);
    }
  }

  /** Reads a partition to its end; its line count. */
  static final class Count implements Function1<scala.collection.Iterator<String>, Long>, Serializable {
    @Override
    public Long apply(scala.collection.Iterator<String> it) {
      long n = 0;
      while (it.hasNext()) {
        it.next();
        n++;
      }
      return n;
    }
  }

  // --- Helpers ---

  private static int[] all(JavaRDD<String> rdd) {
    int n = rdd.getNumPartitions();
    int[] parts = new int[n];
    for (int i = 0; i < n; i++) parts[i] = i;
    return parts;
  }

  private static int[] partitions(JsonNode spec, int n) {
    if (spec.isMissingNode() || spec.isNull()) {
      int[] parts = new int[n];
      for (int i = 0; i < n; i++) parts[i] = i;
      return parts;
    }
    int[] parts = new int[spec.size()];
    for (int i = 0; i < parts.length; i++) {
      int p = spec.get(i).asInt(-1);
      if (p < 0 || p >= n) throw new ProtocolException("partition " + spec.get(i) + " is not in [0, " + n + ")");
      parts[i] = p;
    }
    return parts;
  }

  private static StorageLevel level(String name) {
    return switch (name) {
      case "MEMORY_ONLY" -> StorageLevel.MEMORY_ONLY();
      case "MEMORY_AND_DISK" -> StorageLevel.MEMORY_AND_DISK();
      case "DISK_ONLY" -> StorageLevel.DISK_ONLY();
      case "MEMORY_ONLY_SER" -> StorageLevel.MEMORY_ONLY_SER();
      case "MEMORY_AND_DISK_SER" -> StorageLevel.MEMORY_AND_DISK_SER();
      default -> throw new ProtocolException("unknown storage level: " + name);
    };
  }

  @SuppressWarnings("unchecked")
  private static Class<? extends CompressionCodec> codec(String name) throws ClassNotFoundException {
    return switch (name) {
      case "", "none" -> null;
      case "gzip" -> GzipCodec.class;
      case "bzip2" -> BZip2Codec.class;
      case "deflate" -> DefaultCodec.class;
      case "xz" -> XzCodec.class;
      case "zstd" -> ZstdCodec.class;
      default -> {
        if (!name.contains(".")) throw new ProtocolException("unknown codec: " + name);
        yield (Class<? extends CompressionCodec>) Class.forName(name);
      }
    };
  }

  private static String required(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
      throw new ProtocolException("missing field: " + field);
    }
    return v.asText();
  }

  private static boolean mentionsJob(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SparkException && String.valueOf(c.getMessage()).contains("Job ")) return true;
    }
    return false;
  }

  static ObjectNode reply(long req, String type) {
    ObjectNode r = Out.object();
    r.put("req", req);
    r.put("type", type);
    return r;
  }

  private void ok(long req, ObjectNode result) {
    ObjectNode r = reply(req, "ok");
    if (result != null) r.set("result", result);
    out.send(r);
  }

  /** The error and its causes, outermost first (class and message each). */
  static ObjectNode error(Throwable e) {
    if (e instanceof Wrapped w) e = w.getCause();
    ObjectNode o = Out.object();
    o.put("class", e.getClass().getName());
    o.put("message", String.valueOf(e.getMessage()));
    ArrayNode causes = o.putArray("causes");
    int depth = 0;
    for (Throwable c = e.getCause(); c != null && c != e && depth < 8; c = c.getCause(), depth++) {
      ObjectNode x = causes.addObject();
      x.put("class", c.getClass().getName());
      x.put("message", String.valueOf(c.getMessage()));
    }
    return o;
  }
}
