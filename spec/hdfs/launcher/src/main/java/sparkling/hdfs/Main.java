package sparkling.hdfs;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.hdfs.DFSConfigKeys;
import org.apache.hadoop.hdfs.HdfsConfiguration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * Starts a one-NameNode, one-DataNode HDFS on 127.0.0.1 with WebHDFS on and a
 * 1 MiB block size, for sparkling's specs.
 *
 * stdout is the protocol (logs go to stderr):
 *   "HTTP_PORT n"  the NameNode's WebHDFS port, then "READY".
 * stdin takes one command a line, each answered by "OK command" or "ERR command: reason":
 *   "stop-datanode"   stops the DataNode (a read in flight loses its connection),
 *   "start-datanode"  starts it again on the same storage and waits until the NameNode has its blocks.
 * End of stdin shuts the cluster down and exits.
 *
 * Build and run (the spec helper spec/hdfs/cluster.ts does both):
 *   mvn -q -f spec/hdfs/launcher/pom.xml compile
 *   java --add-opens=java.base/java.lang=ALL-UNNAMED \
 *     -cp spec/hdfs/launcher/target/classes:$(cat spec/hdfs/launcher/target/classpath.txt) \
 *     sparkling.hdfs.Main [storage-dir]
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) throws Exception {
    // The cluster's storage: the directory given, else a fresh temporary one (removed at exit).
    File base = args.length > 0 ? new File(args[0]) : Files.createTempDirectory("sparkling-hdfs-").toFile();
    Configuration conf = new HdfsConfiguration();
    conf.setLong(DFSConfigKeys.DFS_BLOCK_SIZE_KEY, 1024 * 1024);
    conf.setInt(DFSConfigKeys.DFS_BYTES_PER_CHECKSUM_KEY, 512);
    conf.setBoolean("dfs.webhdfs.enabled", true);
    conf.setBoolean(DFSConfigKeys.DFS_PERMISSIONS_ENABLED_KEY, true);
    conf.set(DFSConfigKeys.DFS_NAMENODE_HTTP_ADDRESS_KEY, "127.0.0.1:0");
    conf.set(DFSConfigKeys.DFS_DATANODE_HOST_NAME_KEY, "127.0.0.1");
    conf.setInt(DFSConfigKeys.DFS_REPLICATION_KEY, 1);
    // A DataNode serves WebHDFS reads through its own HDFS client, which waits 3 s, 6 s, 9 s between
    // attempts to fetch a block it cannot reach: with a stopped DataNode a read would hang for ~18 s
    // before failing. Shorter waits keep the spec fast; the outcome (an error) is the same.
    conf.setInt("dfs.client.retry.window.base", 50);
    conf.setInt("ipc.client.connect.max.retries", 1);

    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, base)
        .numDataNodes(1)
        .format(true)
        .build();
    cluster.waitActive();

    // A world-writable /tmp (like a real cluster's) so specs can write as any user.
    FileSystem fs = cluster.getFileSystem();
    Path tmp = new Path("/tmp");
    fs.mkdirs(tmp);
    fs.setPermission(tmp, new FsPermission((short) 01777));

    int port = cluster.getNameNode().getHttpAddress().getPort();
    System.out.println("HTTP_PORT " + port);
    System.out.println("READY");
    System.out.flush();

    MiniDFSCluster.DataNodeProperties stopped = null;
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      String command = line.trim();
      if (command.isEmpty()) continue;
      try {
        switch (command) {
          case "stop-datanode":
            if (stopped != null) throw new IllegalStateException("the DataNode is stopped already");
            stopped = cluster.stopDataNode(0);
            break;
          case "start-datanode":
            if (stopped == null) throw new IllegalStateException("the DataNode is running");
            // Same storage and ports: the blocks it held are readable again once it has reported them.
            cluster.restartDataNode(stopped, true);
            stopped = null;
            cluster.waitActive();
            cluster.triggerBlockReports();
            break;
          default:
            throw new IllegalArgumentException("unknown command");
        }
        System.out.println("OK " + command);
      } catch (Exception e) {
        System.out.println("ERR " + command + ": " + e);
      }
      System.out.flush();
    }
    cluster.shutdown(true);
    deleteTree(base);
    System.exit(0);
  }

  private static void deleteTree(File f) {
    File[] children = f.listFiles();
    if (children != null) for (File c : children) deleteTree(c);
    f.delete();
  }
}
