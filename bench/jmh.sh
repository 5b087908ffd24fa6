#!/usr/bin/env bash
# Runs the JMH micro-benchmarks of bench/src/test/java/io/edgekv/bench/jmh against a running node.
#   bench/jmh.sh [JMH options...]      e.g. bench/jmh.sh NearCacheHit -p endpoint=127.0.0.1:21500
# Builds the launcher's jar (target/edgekv.jar: the EdgeKV client on the node's gRPC) and the bench
# module's test classes (with JMH's generated harness), then runs org.openjdk.jmh.Main with the
# given options on those and JMH's own jars only: the bench module's other test dependencies carry
# jetcd's older gRPC (docs/benchmarks.md, "Near-cache hit latency").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
./edgekv --help > /dev/null
./mvnw -q -DskipTests -pl bench -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath 1>&2
JMH_CP=$(tr ':' '\n' < bench/target/jmh.classpath | grep -E '/(jmh-core|jopt-simple|commons-math3)-[^/]*\.jar$' | paste -sd:)
exec java -cp "bench/target/test-classes:target/edgekv.jar:$JMH_CP" \
  org.openjdk.jmh.Main "$@"
