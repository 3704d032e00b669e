#!/usr/bin/env bash
# Signed-request check benchmark: what project-svc spends per API request on the signature (signed text with the body's
# SHA-256, then public-key recovery), on one thread, no database. Argument, optional: requests (default 20000).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
./mvnw -q -o -pl libs/signing test-compile org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile=target/cp.txt -Dmdep.includeScope=test
cd libs/signing
java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" io.deeploy.signing.bench.SignatureBench "$@"
