package sparkling.bridge;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/** `.zst`: one zstd frame at the default level (3), with zstd-jni (no Hadoop native library). */
public final class ZstdCodec extends StreamCodec {
  @Override
  OutputStream wrap(OutputStream out) throws IOException {
    return new ZstdOutputStream(out);
  }

  @Override
  public String getDefaultExtension() {
    return ".zst";
  }
}
