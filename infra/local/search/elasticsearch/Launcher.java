package makestream.local.search;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Runs one embedded Elasticsearch node until SIGTERM. Every argument is a {@code key=value} node
 * setting (the TypeScript service decides them all).
 *
 * <p>Embedding skips the Elasticsearch bootstrap, so there are no bootstrap checks, no root check,
 * no security manager/entitlements and no log4j2.properties: logging goes to stdout at INFO.
 * MockNode (test framework) is only used because it knows how to load classpath plugins across
 * the 8.x Node constructor changes; it adds no mocks unless mock plugins are passed.
 */
public final class Launcher {
  private Launcher() {}

  public static void main(String[] args) throws Exception {
    Settings.Builder builder = Settings.builder();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected key=value, got: " + arg);
      builder.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    Settings settings = builder.build();
    LogConfigurator.configureESLogging();
    LogConfigurator.configureWithoutConfig(settings);

    Node node = new MockNode(settings, List.of(Netty4Plugin.class));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.close();
        node.awaitClose(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        e.printStackTrace();
      }
    }, "launcher-shutdown"));
    node.start();
    System.out.println("launcher: node started");
    Thread.currentThread().join();
  }
}
