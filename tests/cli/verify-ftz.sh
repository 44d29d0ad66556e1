#!/bin/sh
# A deliberately wrong fp16 multiplier for tests/cli/verify-arith.test:
# `fpq arith fp16 mul --flags` (the fpq given as $1) with every subnormal
# result flushed to a zero of its sign, the flags left as they were.
"$1" arith fp16 mul --flags |
    awk '$1 ~ /^0x[08][0-3][0-9a-f][0-9a-f]$/ { $1 = substr($1, 3, 1) == "8" ? "0x8000" : "0x0000" } { print }'
