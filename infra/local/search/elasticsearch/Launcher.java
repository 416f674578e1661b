package makestream.local.search;

import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.EmbeddedNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Runs one embedded Elasticsearch node until SIGTERM. Every argument is a {@code key=value} node
 * setting; infra/local/search/embedded.ts decides them all.
 *
 * <p>Embedding skips the Elasticsearch bootstrap (org.elasticsearch.bootstrap.Elasticsearch): no
 * bootstrap checks, no "can not run elasticsearch as root" check, no security manager or
 * entitlements.
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
    LogConfigurator.registerErrorListener();
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), null, () -> "es-local");
    // Reads <path.home>/config/log4j2.properties, which the TypeScript service writes.
    LogConfigurator.configure(environment, true);
    Node node = new EmbeddedNode(environment, List.of(Netty4Plugin.class, RootEndpointPlugin.class));
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
