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

tracepoint:syscalls:sys_enter_read: program sys_enter_read, 182 instructions
    4 | probe tracepoint:syscalls:sys_enter_read {
     0: r6 = r1
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
     1: r1 = &map slots
     3: r1 = *(u64 *)(r1 + 0)
     4: if r1 == 0 goto 7
     5: w0 = 0
     6: exit
     7: r7 = &map run
     9: r8 = *(u64 *)(r7 + 0)
    10: if r8 == 0 goto 14
    11: call bpf_get_current_pid_tgid
    12: r0 >>= 32
    13: if r0 != r8 goto 5
    14: r1 = *(u64 *)(r7 + 32)
    15: if r1 == 0 goto 21
    16: r1 = map cgroup
    18: r2 = 0
    19: call bpf_current_task_under_cgroup
    20: if r0 != 1 goto 5
    21: r9 = 0
    5 |     @reads[tid] = count();
      |     ^~~~~~~~~~~~~~~~~~~~~
    22: *(u64 *)(r10 - 8) = r9
    5 |     @reads[tid] = count();
      |            ^~~
    23: call bpf_get_current_pid_tgid
    24: r8 = r0
    25: w1 = 0
    26: *(u32 *)(r10 - 56) = w1
    27: r8 <<= 32
    28: r8 >>= 32
    5 |     @reads[tid] = count();
      |     ^~~~~~~~~~~~~~~~~~~~~
    29: *(u64 *)(r10 - 8) = r8
    30: call bpf_get_smp_processor_id
    31: r7 = r0
    32: r2 = r7
    33: r1 = &map run
    35: r1 = *(u64 *)(r1 + 24)
    36: if r2 < r1 goto 48
    37: r2 = r10
    38: r2 += -8
    39: r1 = map @reads
    41: call bpf_map_lookup_elem
    42: if r0 == 0 goto 70
    43: r1 = *(u64 *)(r0 + 0)
    44: r1 += 1
    45: *(u64 *)(r0 + 0) = r1
    46: w1 = 1
    47: goto 94
    48: r2 *= 1600
    49: r1 = &map slots
    51: r1 += r2
    52: r3 = 0x9e3779b97f4a7c15 ll
    54: r2 = r8
    55: r2 *= r3
    56: r2 >>= 58
    57: if r2 < 63 goto 59
    58: r2 = 63
    59: r2 *= 24
    60: r1 += r2
    61: r2 = *(u64 *)(r1 + 64)
    62: if r2 == 0 goto 174
    63: if r2 != 2 goto 37
    64: r2 = *(u64 *)(r1 + 72)
    65: if r2 != r8 goto 37
    66: r2 = *(u64 *)(r1 + 80)
    67: r2 += 1
    68: *(u64 *)(r1 + 80) = r2
    69: goto 119
    70: r1 = 1
    71: *(u64 *)(r10 - 16) = r1
    72: r2 = r10
    73: r2 += -8
    74: r3 = r10
    75: r3 += -16
    76: r1 = map @reads
    78: r4 = 0
    79: call bpf_map_update_elem
    80: r8 = r0
    81: if r8 s< 0 goto 83
    82: goto 91
    83: w1 = 1
    84: *(u32 *)(r10 - 20) = w1
    85: r2 = r10
    86: r2 += -20
    87: r1 = map map_full
    89: call bpf_map_lookup_elem
    90: if r0 != 0 goto 179
    91: w1 = 1
    92: if r8 s> -1 goto 94
    93: w1 = 0
    94: w2 = *(u32 *)(r10 - 56)
    95: w1 &= w2
    96: if w1 != 0 goto 98
    97: goto 119
    98: r1 = 1
    99: r0 = 0
   100: r0 = cmpxchg_64(r9 + 0, r0, r1)
   101: w1 = 1
   102: if r0 == 0 goto 104
   103: w1 = 0
   104: if w1 != 1 goto 119
   105: r1 = *(u64 *)(r10 - 8)
   106: r8 = 0
   107: *(u64 *)(r9 + 16) = r8
   108: *(u64 *)(r9 + 8) = r1
   109: r1 = 2
   110: r1 = xchg_64(r9 + 0, r1)
   111: r2 = r10
   112: r2 += -8
   113: r1 = map @reads
   115: call bpf_map_lookup_elem
   116: if r0 != 0 goto 119
   117: r0 = 2
   118: r0 = cmpxchg_64(r9 + 0, r0, r8)
    6 |     @bytes = sum(args.count);
      |     ^~~~~~~~~~~~~~~~~~~~~~~~
   119: r1 = &map run
   121: r1 = *(u64 *)(r1 + 24)
   122: if r7 < r1 goto 124
   123: goto 134
    6 |     @bytes = sum(args.count);
   124: r1 = *(u64 *)(r6 + 32)            ; args.count
      |     ^~~~~~~~~~~~~~~~~~~~~~~~
   125: r7 *= 1600
   126: r2 = &map slots
   128: r2 += r7
   129: r3 = 1
   130: *(u64 *)(r2 + 1608) = r3
   131: r3 = *(u64 *)(r2 + 1600)
   132: r3 += r1
   133: *(u64 *)(r2 + 1600) = r3
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |         ^~~~~~~
   134: w1 = *(u32 *)(r6 + 16)            ; args.fd
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |     ^~
   135: if r1 == 0 goto 137
   136: goto 5
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                                      ^~~~~
   137: call bpf_ktime_get_ns
   138: r6 = r0
   139: r7 = 0
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                                              ^~~~~~
   140: *(u64 *)(r10 - 32) = r7
   141: r2 = r10
   142: r2 += -32
   143: r1 = map @start
   145: call bpf_map_lookup_elem
   146: if r0 == 0 goto 148
   147: r7 = *(u64 *)(r0 + 0)
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                                            ^
   148: r6 -= r7
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                               ^~~
   149: call bpf_get_current_pid_tgid
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                         ^~~~~~~~~~~~~~~~~~~~~~~~~~~
   150: *(u64 *)(r10 - 48) = r6
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                               ^~~
   151: r0 <<= 32
   152: r0 >>= 32
    7 |     if (args.fd == 0) { @last[tid] = nsecs - @start }
      |                         ^~~~~~~~~~~~~~~~~~~~~~~~~~~
   153: *(u64 *)(r10 - 40) = r0
   154: r2 = r10
   155: r2 += -40
   156: r3 = r10
   157: r3 += -48
   158: r1 = map @last
   160: r4 = 0
   161: call bpf_map_update_elem
   162: if r0 s> -1 goto 5
   163: w1 = 3
   164: *(u32 *)(r10 - 20) = w1
   165: r2 = r10
   166: r2 += -20
   167: r1 = map map_full
   169: call bpf_map_lookup_elem
   170: if r0 == 0 goto 5
   171: r1 = 1
   172: lock *(u64 *)(r0 + 0) += r1
   173: goto 5
   174: r1 += 64
   175: w2 = 1
   176: *(u32 *)(r10 - 56) = w2
   177: r9 = r1
    5 |     @reads[tid] = count();
      |     ^~~~~~~~~~~~~~~~~~~~~
   178: goto 37
   179: r1 = 1
   180: lock *(u64 *)(r0 + 0) += r1
   181: goto 91

