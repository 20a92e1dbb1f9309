#!/bin/sh
# The sample service's tests: `sh test.sh` exits 0 when every check passes.
failures=0

check() {
  name="$1"; expected="$2"; shift 2
  actual=$(sh service.sh "$@")
  if [ "$actual" = "$expected" ]; then
    echo "ok   $name"
  else
    echo "FAIL $name"
    echo "     expected: $(echo "$expected" | tr '\n' ' ')"
    echo "     actual:   $(echo "$actual" | tr '\n' ' ')"
    failures=$((failures + 1))
  fi
}

check "GET /version" "$(printf '200 OK\n{"version":"1.0.0"}')" GET /version
check "GET /health" "$(printf '200 OK\n{"status":"ok"}')" GET /health
check "unknown route" "$(printf '404 Not Found\n{"error":"no route for GET /nope"}')" GET /nope

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
