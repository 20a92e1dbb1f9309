#!/bin/sh
# A tiny HTTP-ish service: `sh service.sh GET /path` prints the status line and the JSON body it would serve.
method="$1"
path="$2"

respond() {
  printf '%s\n%s\n' "$1" "$2"
}

case "$method $path" in
  "GET /version")
    respond "200 OK" '{"version":"1.0.0"}'
    ;;
  *)
    respond "404 Not Found" '{"error":"no route for '"$method $path"'"}'
    ;;
esac
