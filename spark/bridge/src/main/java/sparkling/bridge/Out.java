package sparkling.bridge;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The bridge's stdout, owned by one writer thread: every message is queued (never written by
 * Spark's scheduler or listener threads, which must not block on the driver's pipe) and written
 * whole, so concurrent jobs' messages never interleave. A message is one JSON line; a `lines`
 * frame is its JSON line followed by exactly `count` raw text lines.
 */
final class Out {
  static final ObjectMapper JSON = new ObjectMapper();

  private record Frame(String header, String[] lines) {}

  private static final Object CLOSE = new Object();

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Writer out;
  private final Thread thread;
  private volatile boolean broken;

  Out() {
    out = new BufferedWriter(
        new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 1 << 16);
    thread = new Thread(this::run, "sparkling-bridge-out");
    thread.setDaemon(true);
    thread.start();
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Whether the driver's end of stdout is gone (it died or closed it). */
  boolean broken() {
    return broken;
  }

  void send(ObjectNode message) {
    queue.add(message.toString());
  }

  void frame(ObjectNode header, String[] lines) {
    header.put("count", lines.length);
    queue.add(new Frame(header.toString(), lines));
  }

  /** Writes what is queued, then stops the writer (waits at most `ms`). */
  void close(long ms) {
    queue.add(CLOSE);
    try {
      thread.join(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    try {
      while (true) {
        Object item = queue.take();
        if (item == CLOSE) break;
        if (item instanceof Frame f) {
          out.write(f.header);
          out.write('\n');
          for (String line : f.lines) {
            out.write(line);
            out.write('\n');
          }
        } else {
          out.write((String) item);
          out.write('\n');
        }
        if (queue.isEmpty()) out.flush();
      }
      out.flush();
    } catch (IOException e) {
      broken = true;
      System.err.println("sparkling bridge: the driver's pipe is closed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
