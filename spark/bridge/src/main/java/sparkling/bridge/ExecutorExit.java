package sparkling.bridge;

/** An executor process exited with a non-zero status (its stderr's last lines are in the message). */
public final class ExecutorExit extends RuntimeException {
  public ExecutorExit(String message) {
    super(message);
  }
}
