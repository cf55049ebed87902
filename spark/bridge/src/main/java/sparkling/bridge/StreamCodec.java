package sparkling.bridge;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionInputStream;
import org.apache.hadoop.io.compress.CompressionOutputStream;
import org.apache.hadoop.io.compress.Compressor;
import org.apache.hadoop.io.compress.Decompressor;

/**
 * A Hadoop output codec over a Java compressing stream, for the codecs Hadoop lacks (xz) or has
 * only with its native library (zstd): `saveAsTextFile` writes `part-NNNNN.xz` / `.zst` with the
 * xz and zstd-jni libraries that ship in Spark's own jars. Output only: sparkling reads such
 * files in Node. Spark names the codec by its canonical class name: the codecs are top-level
 * classes (XzCodec, ZstdCodec).
 */
public abstract class StreamCodec implements CompressionCodec {
  /** The compressing stream over `out`; closing it ends the compressed data (and closes `out`). */
  abstract OutputStream wrap(OutputStream out) throws IOException;

  /** Compresses into the file's stream; `finish` ends the compressed data, leaving the file open. */
  private final class Out extends CompressionOutputStream {
    private OutputStream z;

    Out(OutputStream out) {
      super(out);
    }

    private OutputStream z() throws IOException {
      if (z == null) {
        // The compressor's close must not close the file: Hadoop closes it after finish().
        z =
            wrap(
                new FilterOutputStream(out) {
                  @Override
                  public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                  }

                  @Override
                  public void close() throws IOException {
                    out.flush();
                  }
                });
      }
      return z;
    }

    @Override
    public void write(int b) throws IOException {
      z().write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      z().write(b, off, len);
    }

    @Override
    public void finish() throws IOException {
      // An empty part is still a valid (empty) compressed file.
      z().close();
      z = null;
    }

    @Override
    public void resetState() {
      z = null;
    }
  }

  @Override
  public CompressionOutputStream createOutputStream(OutputStream out) {
    return new Out(out);
  }

  @Override
  public CompressionOutputStream createOutputStream(OutputStream out, Compressor compressor) {
    return new Out(out);
  }

  @Override
  public Class<? extends Compressor> getCompressorType() {
    return null;
  }

  @Override
  public Compressor createCompressor() {
    return null;
  }

  @Override
  public CompressionInputStream createInputStream(InputStream in) {
    throw new UnsupportedOperationException("sparkling's " + getDefaultExtension() + " codec only writes");
  }

  @Override
  public CompressionInputStream createInputStream(InputStream in, Decompressor decompressor) {
    return createInputStream(in);
  }

  @Override
  public Class<? extends Decompressor> getDecompressorType() {
    return null;
  }

  @Override
  public Decompressor createDecompressor() {
    return null;
  }
}
