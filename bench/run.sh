#!/bin/sh
# Runs the load generator with the open-file limit raised to the hard limit (idle-10k needs
# 10,000 sockets; Deno cannot raise its own limit). The servers it starts inherit the limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec deno run --allow-net=127.0.0.1 --allow-read --allow-write \
  --allow-run=deno,cat,getconf,apt-get,redis-server,/usr/sbin/ngircd,/usr/sbin/inspircd \
  "$(dirname "$0")/main.ts" "$@"
