package sparkling.bridge;

/**
 * An executor process reported an error on its output (`\0error\t<token>\t<json>`). The message is
 * the executor's own JSON report, unchanged, so the driver can read it back from Spark's task
 * failure reason (class name and description) and rebuild the original error.
 */
public final class ExecutorFailure extends RuntimeException {
  public ExecutorFailure(String report) {
    super(report);
  }
}
