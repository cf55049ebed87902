package sparkling.bridge;

import java.io.IOException;
import java.io.OutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** `.xz`: XZ with the default preset (6), as the `xz` program writes it. */
public final class XzCodec extends StreamCodec {
  @Override
  OutputStream wrap(OutputStream out) throws IOException {
    return new XZOutputStream(out, new LZMA2Options());
  }

  @Override
  public String getDefaultExtension() {
    return ".xz";
  }
}
