#!/bin/sh
# A deliberately wrong fp32 -> bf16 converter for tests/cli/verify.test:
# it truncates (keeps the top 16 bits) where the reference rounds to
# nearest-even, and never quiets a NaN.
awk '{ s = $1; sub(/^0x/, "", s); print "0x" substr(s, 1, 4) }'
