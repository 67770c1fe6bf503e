#!/bin/bash
# `stratus fit alb-logs` on generated ALB access logs of growing size (default 100 MB and
# 1 GB): lines per second and peak resident memory (GNU time's "Maximum resident set size").
# Memory must stay flat in the number of lines: it follows the seconds the logs span (here a
# constant 6 hours, whatever the size) and the classes (paths with identifiers fold into
# patterns), never the lines.
#
#   benches/fit_memory.sh STRATUS [SIZES_MB...]      e.g. benches/fit_memory.sh target/release/stratus 100 1000
set -eu
BIN=$1; shift
SIZES=${*:-100 1000}
W=${FIT_BENCH_DIR:-/tmp/stratus-fit-bench}
mkdir -p "$W"
for mb in $SIZES; do
  f=$W/alb-$mb.log
  if [ ! -s "$f" ]; then
    # ~330 bytes a line; arrivals spread over 6 hours; 40 paths with ids, 4 without.
    lines=$((mb * 1000000 / 330))
    awk -v n="$lines" 'BEGIN {
      srand(7);
      for (i = 0; i < n; i++) {
        s = int(i * 21600 / n); h = int(s / 3600); m = int(s % 3600 / 60); sec = s % 60;
        t = sprintf("2024-03-04T%02d:%02d:%02d.%06dZ", 10 + h, m, sec, int(rand() * 1000000));
        w = -log(rand()) * 0.05;
        p = (i % 10 < 6) ? sprintf("/orders/%d/items", int(rand() * 1000000)) : "/search";
        printf "https %s app/web/50dc6c495c0c9188 192.0.2.10:4653 10.0.0.66:8080 0.000 %.6f 0.000 200 200 300 2000 \"GET https://shop.example.com:443%s HTTP/1.1\" \"bench\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 \"Root=1-0\" \"-\" \"-\" 0 %s \"forward\"\n", t, w, p, t
      }
    }' >"$f"
  fi
  size=$(du -m "$f" | cut -f1)
  nl=$(wc -l <"$f")
  /usr/bin/time -v "$BIN" fit alb-logs "$f" --out "$W/fitted-$mb.yaml" 2>"$W/time-$mb.txt" >/dev/null
  rss=$(grep "Maximum resident" "$W/time-$mb.txt" | awk '{print $NF}')
  wall=$(grep "Elapsed (wall" "$W/time-$mb.txt" | awk '{print $NF}')
  echo "$size MB, $nl lines: peak RSS $((rss / 1024)) MB, wall $wall"
done
