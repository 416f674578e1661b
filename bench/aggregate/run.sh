#!/usr/bin/env bash
# The aggregate benchmark against its Kafka Streams peer baseline on the local broker:
# builds the Java app (Maven, kafka-streams 4.3.1 from Maven Central), pre-fills a topic with N Avro
# executions, runs our aggregate and the Kafka Streams app over it and prints our throughput as a
# ratio to Kafka Streams. Needs Java 17, Maven and the local Kafka (`npm run stack:status`).
#
#   bash bench/aggregate/run.sh [--events 200000] [--guarantee at_least_once|exactly_once_v2] [--threads 1] ...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [[ ! -f "$here/kstreams/target/classpath.txt" || "$here/kstreams/pom.xml" -nt "$here/kstreams/target/classpath.txt" \
  || -n "$(find "$here/kstreams/src" -newer "$here/kstreams/target/classpath.txt" -print -quit)" ]]; then
  echo "building bench/aggregate/kstreams (Maven)..." >&2
  mvn -B -q -f "$here/kstreams/pom.xml" package -DskipTests >&2
fi
cd "$root"
exec node --import tsx bench/aggregate/throughput.ts --kafka "$@"
