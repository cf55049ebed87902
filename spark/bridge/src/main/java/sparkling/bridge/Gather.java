package sparkling.bridge;

import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.Dependency;
import org.apache.spark.NarrowDependency;
import org.apache.spark.Partition;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import scala.collection.immutable.Seq;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The `gather` node: output partition k reads a given list of (input, partition) pairs, in order,
 * each line prefixed with its position in that list (`slot\tline`), after an optional head line
 * the driver wrote for partition k. Narrow dependencies only, so a sparkling task can read several
 * partitions (coalesce without a shuffle, zip, cartesian, a union of RDDs partitioned alike, a join
 * reading an input where it is) in one Spark task, without a shuffle.
 */
final class Gather extends RDD<String> {
  static final ClassTag<String> STRING = ClassTag$.MODULE$.apply(String.class);

  private final List<RDD<String>> inputs;
  /** Per output partition: input0, partition0, input1, partition1, ... */
  private final int[][] reads;
  private final String[] heads;

  Gather(SparkContext sc, List<RDD<String>> inputs, int[][] reads, String[] heads) {
    super(sc, dependencies(inputs, reads), STRING);
    this.inputs = new ArrayList<>(inputs);
    this.reads = reads;
    this.heads = heads;
  }

  private static Seq<Dependency<?>> dependencies(List<RDD<String>> inputs, int[][] reads) {
    List<Dependency<?>> deps = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) deps.add(new Reads(inputs.get(i), i, reads));
    return scala.jdk.javaapi.CollectionConverters.asScala(deps).toList();
  }

  /** Input `input`'s partitions that output partition k reads. */
  static final class Reads extends NarrowDependency<String> {
    private final int input;
    private final int[][] reads;

    Reads(RDD<String> rdd, int input, int[][] reads) {
      super(rdd);
      this.input = input;
      this.reads = reads;
    }

    @Override
    public Seq<Object> getParents(int partitionId) {
      List<Object> out = new ArrayList<>();
      int[] r = reads[partitionId];
      for (int j = 0; j < r.length; j += 2) if (r[j] == input && !out.contains(r[j + 1])) out.add(r[j + 1]);
      return scala.jdk.javaapi.CollectionConverters.asScala(out).toList();
    }
  }

  /** Output partition k: the input partitions it reads (Spark's own partition objects, serialized with the task). */
  static final class Part implements Partition {
    private final int index;
    final int[] inputs;
    final Partition[] parents;
    final String head;

    Part(int index, int[] inputs, Partition[] parents, String head) {
      this.index = index;
      this.inputs = inputs;
      this.parents = parents;
      this.head = head;
    }

    @Override
    public int index() {
      return index;
    }

    @Override
    public int hashCode() {
      return index;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Part p && p.index == index;
    }
  }

  @Override
  public Partition[] getPartitions() {
    Partition[] out = new Partition[reads.length];
    for (int k = 0; k < reads.length; k++) {
      int[] r = reads[k];
      int[] ins = new int[r.length / 2];
      Partition[] ps = new Partition[r.length / 2];
      for (int s = 0; s < ins.length; s++) {
        ins[s] = r[2 * s];
        ps[s] = inputs.get(ins[s]).partitions()[r[2 * s + 1]];
      }
      out[k] = new Part(k, ins, ps, heads[k]);
    }
    return out;
  }

  /** Where the partitions it reads are (a text split's hosts), each host once. */
  @Override
  public Seq<String> getPreferredLocations(Partition split) {
    Part p = (Part) split;
    java.util.LinkedHashSet<String> hosts = new java.util.LinkedHashSet<>();
    for (int s = 0; s < p.parents.length; s++)
      hosts.addAll(scala.jdk.javaapi.CollectionConverters.asJava(inputs.get(p.inputs[s]).preferredLocations(p.parents[s])));
    return scala.jdk.javaapi.CollectionConverters.asScala(new ArrayList<>(hosts)).toList();
  }

  @Override
  public scala.collection.Iterator<String> compute(Partition split, TaskContext context) {
    Part p = (Part) split;
    List<RDD<String>> in = inputs;
    return new scala.collection.AbstractIterator<String>() {
      private boolean headDone = p.head == null;
      private int slot = -1;
      private String prefix = "";
      private scala.collection.Iterator<String> current;

      @Override
      public boolean hasNext() {
        if (!headDone) return true;
        while (current == null || !current.hasNext()) {
          if (slot + 1 >= p.parents.length) return false;
          slot++;
          prefix = slot + "\t";
          current = in.get(p.inputs[slot]).iterator(p.parents[slot], context);
        }
        return true;
      }

      @Override
      public String next() {
        if (!headDone) {
          headDone = true;
          return p.head;
        }
        if (!hasNext()) throw new NoSuchElementException();
        return prefix + current.next();
      }
    };
  }
}
