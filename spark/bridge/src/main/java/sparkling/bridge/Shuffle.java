package sparkling.bridge;

import java.io.Serializable;
import java.util.Comparator;
import java.util.Iterator;
import org.apache.spark.Partitioner;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import scala.Tuple2;

/**
 * The shuffle's transport: lines `partition\tpayload` are routed to reduce partition `partition`
 * (an identity partitioner) and arrive there without the prefix. With `order: "map"` they arrive in
 * map-partition order and, within a map partition, in the order they were written, so a reduce
 * side that depends on arrival order gives the same answer on every run (and as in local mode).
 */
final class Shuffle {
  private Shuffle() {}

  /** Where a line goes and where it came from. */
  static final class Key implements Serializable {
    final int partition;
    final int map;
    final long seq;

    Key(int partition, int map, long seq) {
      this.partition = partition;
      this.map = map;
      this.seq = seq;
    }
  }

  /** Sorts within a reduce partition by map partition, then by position in it. */
  static final class MapOrder implements Comparator<Key>, Serializable {
    @Override
    public int compare(Key a, Key b) {
      int c = Integer.compare(a.map, b.map);
      return c != 0 ? c : Long.compare(a.seq, b.seq);
    }
  }

  /** Partition i of n gets exactly the lines keyed i. */
  static final class Identity extends Partitioner {
    private final int n;

    Identity(int n) {
      this.n = n;
    }

    @Override
    public int numPartitions() {
      return n;
    }

    @Override
    public int getPartition(Object key) {
      return key instanceof Key k ? k.partition : (Integer) key;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Identity i && i.n == n;
    }

    @Override
    public int hashCode() {
      return 31 * n + 7;
    }
  }

  static int target(String line, int n) {
    int tab = line.indexOf('\t');
    int p = -1;
    if (tab > 0 && tab <= 10) {
      try {
        p = Integer.parseInt(line, 0, tab, 10);
      } catch (NumberFormatException e) {
        p = -1;
      }
    }
    if (tab <= 0 || p < 0 || p >= n) {
      String head = line.length() > 40 ? line.substring(0, 40) + "…" : line;
      throw new ProtocolException(
          "a shuffle line must start with a partition number in [0, " + n + ") and a tab: " + head);
    }
    return p;
  }

  /** Keys each line by (target, map partition, position): for the ordered shuffle. */
  static final class KeyOrdered implements PairFlatMapFunction<Iterator<String>, Key, String> {
    private final int n;

    KeyOrdered(int n) {
      this.n = n;
    }

    @Override
    public Iterator<Tuple2<Key, String>> call(Iterator<String> lines) {
      int map = TaskContext.getPartitionId();
      return new Iterator<Tuple2<Key, String>>() {
        private long seq;

        @Override
        public boolean hasNext() {
          return lines.hasNext();
        }

        @Override
        public Tuple2<Key, String> next() {
          String line = lines.next();
          int p = target(line, n);
          return new Tuple2<>(new Key(p, map, seq++), line.substring(line.indexOf('\t') + 1));
        }
      };
    }
  }

  /** Keys each line by its target only: for the unordered shuffle. */
  static final class KeyTarget implements PairFlatMapFunction<Iterator<String>, Integer, String> {
    private final int n;

    KeyTarget(int n) {
      this.n = n;
    }

    @Override
    public Iterator<Tuple2<Integer, String>> call(Iterator<String> lines) {
      return new Iterator<Tuple2<Integer, String>>() {
        @Override
        public boolean hasNext() {
          return lines.hasNext();
        }

        @Override
        public Tuple2<Integer, String> next() {
          String line = lines.next();
          int p = target(line, n);
          return new Tuple2<>(p, line.substring(line.indexOf('\t') + 1));
        }
      };
    }
  }
}
