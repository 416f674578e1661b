package org.elasticsearch.node;

import java.util.Collection;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

/**
 * A production {@link Node} whose plugins come from the classpath.
 *
 * <p>It lives in Elasticsearch's package because the hooks it needs are package-private. It is
 * MockNode (8.19 test framework) minus MockNode's environment preparation, whose reference to
 * ESTestCase runs BootstrapForTesting: that refuses root, installs a test security manager and
 * randomizes. MockPluginsService only wraps each class in a "classpath plugin" descriptor.
 */
public final class EmbeddedNode extends Node {
  public EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> classpathPlugins) {
    super(NodeConstruction.prepareConstruction(environment, null, new NodeServiceProvider() {
      @Override
      PluginsService newPluginService(Environment env, PluginsLoader loader) {
        return new MockPluginsService(env.settings(), env, classpathPlugins);
      }
    }, true));
  }
}
