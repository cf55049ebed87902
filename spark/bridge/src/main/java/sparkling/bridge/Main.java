package sparkling.bridge;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * sparkling's bridge to Spark: started by `spark-submit --class sparkling.bridge.Main
 * sparkling-bridge.jar`, one per sparkling Context. It reads requests as JSON lines on stdin and
 * answers on stdout (Spark's own logging goes to stderr); the protocol is described in
 * lib/spark/protocol.ts (requests, replies, RDD nodes) and lib/spark/executor-io.ts (what a piped
 * executor reads and writes). When stdin ends (the driver called stop, or died) it stops the
 * SparkContext and exits.
 */
public final class Main {
  /** The protocol version in the `ready` message; the driver refuses a bridge that speaks another. */
  static final int PROTOCOL = 1;

  private Main() {}

  public static void main(String[] args) throws Exception {
    // stdout is the protocol: anything else printing there (a library, a stray println) goes to stderr.
    PrintStream stderr = System.err;
    System.setOut(stderr);
    Out out = new Out();

    byte[] random = new byte[8];
    new SecureRandom().nextBytes(random);
    String secret = HexFormat.of().formatHex(random);

    SparkConf conf = new SparkConf();
    if (!conf.contains("spark.app.name")) conf.setAppName("sparkling");
    JavaSparkContext jsc;
    try {
      jsc = new JavaSparkContext(conf);
    } catch (Throwable e) {
      ObjectNode fatal = Out.object();
      fatal.put("type", "fatal");
      fatal.set("error", Session.error(e));
      out.send(fatal);
      out.close(5_000);
      stderr.println("sparkling bridge: Spark did not start: " + e);
      System.exit(2);
      return;
    }

    Session session = new Session(jsc, out, secret);
    final boolean[] stopping = {false};
    Tracker tracker =
        new Tracker(
            session.jobs(),
            out,
            () -> {
              synchronized (stopping) {
                if (stopping[0]) return;
              }
              // Spark ended the application by itself (the master removed it, say): nothing can run now.
              ObjectNode fatal = Out.object();
              fatal.put("type", "fatal");
              ObjectNode err = fatal.putObject("error");
              err.put("class", "org.apache.spark.SparkException");
              err.put("message", "the Spark application ended (the cluster stopped or removed it)");
              out.send(fatal);
            });
    session.tracker(tracker);
    jsc.sc().addSparkListener(tracker);

    ObjectNode ready = Out.object();
    ready.put("type", "ready");
    ready.put("protocol", PROTOCOL);
    ready.put("sparkVersion", jsc.version());
    ready.put("applicationId", jsc.sc().applicationId());
    ready.put("master", jsc.master());
    ready.put("local", jsc.isLocal());
    ready.put("defaultParallelism", jsc.defaultParallelism());
    ready.put("defaultMinPartitions", jsc.defaultMinPartitions());
    ready.put("filesRoot", session.filesRoot());
    if (jsc.sc().uiWebUrl().isDefined()) ready.put("uiUrl", jsc.sc().uiWebUrl().get());
    else ready.putNull("uiUrl");
    out.send(ready);

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16);
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isBlank()) continue;
      if (!session.handle(line)) break;
    }

    // The driver is done (or gone): stop for good, whatever runs; never outlive it by much.
    synchronized (stopping) {
      stopping[0] = true;
    }
    Thread watchdog =
        new Thread(
            () -> {
              try {
                Thread.sleep(60_000);
              } catch (InterruptedException e) {
                return;
              }
              stderr.println("sparkling bridge: stopping took over 60 s; halting");
              Runtime.getRuntime().halt(3);
            },
            "sparkling-bridge-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
    session.shutdown();
    try {
      jsc.stop();
    } catch (Throwable e) {
      stderr.println("sparkling bridge: stopping Spark failed: " + e);
    }
    ObjectNode stopped = Out.object();
    stopped.put("type", "stopped");
    out.send(stopped);
    out.close(5_000);
    System.exit(0);
  }
}
