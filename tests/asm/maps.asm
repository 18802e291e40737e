BEGIN: program BEGIN, 26 instructions
    3 | probe BEGIN { @start = nsecs }
     0: w1 = 0
      |       ^~~~~
     1: *(u32 *)(r10 - 4) = w1
    3 | probe BEGIN { @start = nsecs }
      |                        ^~~~~
     2: call bpf_ktime_get_ns
    3 | probe BEGIN { @start = nsecs }
      |               ^~~~~~~~~~~~~~
     3: *(u64 *)(r10 - 24) = r0
     4: r1 = 0
     5: *(u64 *)(r10 - 16) = r1
     6: r2 = r10
     7: r2 += -16
     8: r3 = r10
     9: r3 += -24
    10: r1 = map @start
    12: r4 = 0
    13: call bpf_map_update_elem
    14: if r0 s> -1 goto 21
    15: r2 = r10
    16: r2 += -4
    17: r1 = map map_full
    19: call bpf_map_lookup_elem
    20: if r0 != 0 goto 23
    3 | probe BEGIN { @start = nsecs }
      |       ^~~~~
    21: w0 = 0
    22: exit
    23: r1 = 1
    3 | probe BEGIN { @start = nsecs }
      |               ^~~~~~~~~~~~~~
    24: lock *(u64 *)(r0 + 0) += r1
    25: goto 21

tracepoint:syscalls:sys_enter_read: program sys_enter_read, 168 instructions
    4 | probe tracepoint:syscalls:sys_enter_read {
     0: r6 = r1
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
     1: r1 = &map slots
     3: r1 = *(u64 *)(r1 + 0)
     4: if r1 == 0 goto 7
     5: w0 = 0
     6: exit
     7: r9 = 0
    5 |     @reads[tid] = count();
      |     ^~~~~~~~~~~~~~~~~~~~~
     8: *(u64 *)(r10 - 8) = r9
    5 |     @reads[tid] = count();
      |            ^~~
     9: call bpf_get_current_pid_tgid
    10: r8 = r0
    11: w1 = 0
    12: *(u32 *)(r10 - 56) = w1
    13: r8 <<= 32
    14: r8 >>= 32
    5 |     @reads[tid] = count();
      |     ^~~~~~~~~~~~~~~~~~~~~
    15: *(u64 *)(r10 - 8) = r8
    16: call bpf_get_smp_processor_id
    17: r7 = r0
    18: r2 = r7
    19: r1 = &map run
    21: r1 = *(u64 *)(r1 + 24)
    22: if r2 < r1 goto 34
    23: r2 = r10
    24: r2 += -8
    25: r1 = map @reads
    27: call bpf_map_lookup_elem
    28: if r0 == 0 goto 56
    29: r1 = *(u64 *)(r0 + 0)
    30: r1 += 1
    31: *(u64 *)(r0 + 0) = r1
    32: w1 = 1
    33: goto 80
    34: r2 *= 1600
    35: r1 = &map slots
    37: r1 += r2
    38: r3 = 0x9e3779b97f4a7c15 ll
    40: r2 = r8
    41: r2 *= r3
    42: r2 >>= 58
    43: if r2 < 63 goto 45
    44: r2 = 63
    45: r2 *= 24
    46: r1 += r2
    47: r2 = *(u64 *)(r1 + 64)
    48: if r2 == 0 goto 160
    49: if r2 != 2 goto 23
    50: r2 = *(u64 *)(r1 + 72)
    51: if r2 != r8 goto 23
    52: r2 = *(u64 *)(r1 + 80)
    53: r2 += 1
    54: *(u64 *)(r1 + 80) = r2
    55: goto 105
    56: r1 = 1
    57: *(u64 *)(r10 - 16) = r1
    58: r2 = r10
    59: r2 += -8
    60: r3 = r10
    61: r3 += -16
    62: r1 = map @reads
    64: r4 = 0
    65: call bpf_map_update_elem
    66: r8 = r0
    67: if r8 s< 0 goto 69
    68: goto 77
    69: w1 = 1
    70: *(u32 *)(r10 - 20) = w1
    71: r2 = r10
    72: r2 += -20
    73: r1 = map map_full
    75: call bpf_map_lookup_elem
    76: if r0 != 0 goto 165
    77: w1 = 1
    78: if r8 s> -1 goto 80
    79: w1 = 0
    80: w2 = *(u32 *)(r10 - 56)
    81: w1 &= w2
    82: if w1 != 0 goto 84
    83: goto 105
    84: r1 = 1
    85: r0 = 0
    86: r0 = cmpxchg_64(r9 + 0, r0, r1)
    87: w1 = 1
    88: if r0 == 0 goto 90
    89: w1 = 0
    90: if w1 != 1 goto 105
    91: r1 = *(u64 *)(r10 - 8)
    92: r8 = 0
    93: *(u64 *)(r9 + 16) = r8
    94: *(u64 *)(r9 + 8) = r1
    95: r1 = 2
    96: r1 = xchg_64(r9 + 0, r1)
    97: r2 = r10
    98: r2 += -8
    99: r1 = map @reads
   101: call bpf_map_lookup_elem
   102: if r0 != 0 goto 105
   103: r0 = 2
   104: r0 = cmpxchg_64(r9 + 0, r0, r8)
    6 |     @bytes = sum(args.count);
      |     ^~~~~~~~~~~~~~~~~~~~~~~~
   105: r1 = &map run
   107: r1 = *(u64 *)(r1 + 24)
   108: if r7 < r1 goto 110
   109: goto 120
    6 |     @bytes = sum(args.count);
   110: r1 = *(u64 *)(r6 + 32)            ; args.count
      |     ^~~~~~~~~~~~~~~~~~~~~~~~
   111: r7 *= 1600
   112: r2 = &map slots
   114: r2 += r7
   115: r3 = 1
   116: *(u64 *)(r2 + 1608) = r3
   117: r3 = *(u64 *)(r2 + 1600)
   118: r3 += r1
   119: *(u64 *)(r2 + 1600) = r3
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |         ^~~~~~~
   120: w1 = *(u32 *)(r6 + 16)            ; args.fd
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |     ^~
   121: if r1 == 0 goto 123
   122: goto 5
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                                      ^~~~~
   123: call bpf_ktime_get_ns
   124: r6 = r0
   125: r7 = 0
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                                              ^~~~~~
   126: *(u64 *)(r10 - 32) = r7
   127: r2 = r10
   128: r2 += -32
   129: r1 = map @start
   131: call bpf_map_lookup_elem
   132: if r0 == 0 goto 134
   133: r7 = *(u64 *)(r0 + 0)
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                                            ^
   134: r6 -= r7
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                               ^~~
   135: call bpf_get_current_pid_tgid
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                         ^~~~~~~~~~~~~~~~~~~~~~~~~~~
   136: *(u64 *)(r10 - 48) = r6
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                               ^~~
   137: r0 <<= 32
   138: r0 >>= 32
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                         ^~~~~~~~~~~~~~~~~~~~~~~~~~~
   139: *(u64 *)(r10 - 40) = r0
   140: r2 = r10
   141: r2 += -40
   142: r3 = r10
   143: r3 += -48
   144: r1 = map @last
   146: r4 = 0
   147: call bpf_map_update_elem
   148: if r0 s> -1 goto 5
   149: w1 = 3
   150: *(u32 *)(r10 - 20) = w1
   151: r2 = r10
   152: r2 += -20
   153: r1 = map map_full
   155: call bpf_map_lookup_elem
   156: if r0 == 0 goto 5
   157: r1 = 1
   158: lock *(u64 *)(r0 + 0) += r1
   159: goto 5
   160: r1 += 64
   161: w2 = 1
   162: *(u32 *)(r10 - 56) = w2
   163: r9 = r1
    5 |     @reads[tid] = count();
      |     ^~~~~~~~~~~~~~~~~~~~~
   164: goto 23
   165: r1 = 1
   166: lock *(u64 *)(r0 + 0) += r1
   167: goto 77

