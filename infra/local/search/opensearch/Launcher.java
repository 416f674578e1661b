package makestream.local.search;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Runs one embedded OpenSearch node until SIGTERM. Every argument is a {@code key=value} node
 * setting; infra/local/search/embedded.ts decides them all.
 *
 * <p>Embedding skips org.opensearch.bootstrap.Bootstrap: no bootstrap checks, no "can not run
 * opensearch as root" check, no security manager. The test framework's MockNode is not used: its
 * static test bootstrap refuses root and installs a test security manager.
 */
public final class Launcher {
  private Launcher() {}

  /** Node's plugin-taking constructor is protected. */
  private static final class EmbeddedNode extends Node {
    EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
      super(environment, plugins, true);
    }
  }

  public static void main(String[] args) throws Exception {
    Settings.Builder builder = Settings.builder();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("expected key=value, got: " + arg);
      builder.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    LogConfigurator.registerErrorListener();
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(builder.build(), Collections.emptyMap(), null, () -> "os-local");
    // Reads <path.home>/config/log4j2.properties, which the TypeScript service writes.
    LogConfigurator.configure(environment);

    Node node = new EmbeddedNode(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
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
