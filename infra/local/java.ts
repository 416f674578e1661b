/**
 * Finds a Java runtime of at least a given major version for the JVM services (Kafka needs 17+,
 * Apicurio Registry 3.3 needs 21+). The machines have Debian's OpenJDK 17 as `java` and a second
 * JDK (Temurin 25) under /usr/lib/jvm that is not on PATH.
 */
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';

const JVM_DIR = '/usr/lib/jvm';

/** A Java installation: its `bin/java` and the major version from its `release` file. */
export interface JavaRuntime {
  readonly java: string;
  readonly major: number;
}

/** The major version of the JDK/JRE at `home`, read from `<home>/release` (no JVM start). */
function majorOf(home: string): number | undefined {
  try {
    const release = readFileSync(join(home, 'release'), 'utf8');
    const version = /^JAVA_VERSION="([^"]+)"/m.exec(release)?.[1];
    if (version === undefined) return undefined;
    // "1.8.0_392" is Java 8; "17.0.15" and "25" are 17 and 25.
    const [first, second] = version.split('.').map((part) => Number.parseInt(part, 10));
    return first === 1 ? second : first;
  } catch {
    return undefined;
  }
}

function runtimeAt(home: string): JavaRuntime | undefined {
  const java = join(home, 'bin', 'java');
  const major = majorOf(home);
  return existsSync(java) && major !== undefined ? { java, major } : undefined;
}

/** The home of the `java` first on PATH (resolving /usr/bin/java → /etc/alternatives → the JDK). */
function pathJavaHome(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'java');
    if (!existsSync(candidate)) continue;
    try {
      return dirname(dirname(realpathSync(candidate)));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * The Java runtime to run a service with: JAVA_HOME if it is recent enough, else the `java` on
 * PATH, else the newest JDK under /usr/lib/jvm. Throws, naming what it found, when none is.
 */
export function findJava(minMajor: number): JavaRuntime {
  const seen: JavaRuntime[] = [];
  const preferred = [process.env.JAVA_HOME, pathJavaHome()].filter((h): h is string => h !== undefined && h !== '');
  for (const home of preferred) {
    const runtime = runtimeAt(home);
    if (runtime === undefined) continue;
    if (runtime.major >= minMajor) return runtime;
    seen.push(runtime);
  }
  const installed = existsSync(JVM_DIR)
    ? readdirSync(JVM_DIR)
        .map((name) => runtimeAt(join(JVM_DIR, name)))
        .filter((r): r is JavaRuntime => r !== undefined)
        .sort((a, b) => b.major - a.major)
    : [];
  const newest = installed[0];
  if (newest !== undefined && newest.major >= minMajor) return newest;
  const found = [...seen, ...installed].map((r) => `${r.java} (${r.major})`).join(', ') || 'none';
  throw new Error(`Java ${minMajor}+ is required; found: ${found}. Set JAVA_HOME to a JDK ${minMajor}+.`);
}
