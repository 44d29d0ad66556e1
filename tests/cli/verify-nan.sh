#!/bin/sh
# An fp16 adder for tests/cli/verify-arith.test whose NaN results all have
# one pattern: `fpq arith fp16 add --flags` (the fpq given as $1) with every
# NaN result (0x7c01-0x7fff, 0xfc01-0xffff) replaced by $2.
"$1" arith fp16 add --flags |
    awk -v p="$2" '$1 ~ /^0x[7f][c-f]/ && $1 !~ /^0x[7f]c00$/ { $1 = p } { print }'
