package sparkling.bridge;

/** A peer broke the line protocol: a malformed request, or an executor whose output is not framed as agreed. */
public final class ProtocolException extends RuntimeException {
  public ProtocolException(String message) {
    super(message);
  }
}
