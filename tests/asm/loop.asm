BEGIN: program BEGIN, 151 instructions
    4 | probe BEGIN {
     0: r1 = 1
    5 |     @a[1] = 10; @a[2] = 20;
      |     ^~~~~~~~~~
     1: *(u64 *)(r10 - 16) = r1
     2: w1 = 0
    4 | probe BEGIN {
      |       ^~~~~
     3: *(u32 *)(r10 - 4) = w1
     4: r1 = 10
    5 |     @a[1] = 10; @a[2] = 20;
      |     ^~~~~~~~~~
     5: *(u64 *)(r10 - 24) = r1
     6: r2 = r10
     7: r2 += -16
     8: r3 = r10
     9: r3 += -24
    10: r1 = map @a
    12: r4 = 0
    13: call bpf_map_update_elem
    14: if r0 s< 0 goto 16
    15: goto 22
    16: r2 = r10
    17: r2 += -4
    18: r1 = map map_full
    20: call bpf_map_lookup_elem
    21: if r0 != 0 goto 45
    22: r1 = 20
    5 |     @a[1] = 10; @a[2] = 20;
      |                 ^~~~~~~~~~
    23: *(u64 *)(r10 - 40) = r1
    24: r1 = 2
    25: *(u64 *)(r10 - 32) = r1
    26: r2 = r10
    27: r2 += -32
    28: r3 = r10
    29: r3 += -40
    30: r6 = 0
    31: r1 = map @a
    33: r4 = 0
    34: call bpf_map_update_elem
    35: if r0 s< 0 goto 37
    36: goto 43
    37: r2 = r10
    38: r2 += -4
    39: r1 = map map_full
    41: call bpf_map_lookup_elem
    42: if r0 != 0 goto 48
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |     ^~~~~
    43: if r6 s> 3 goto 52
    44: goto 82
    45: r1 = 1
    5 |     @a[1] = 10; @a[2] = 20;
      |     ^~~~~~~~~~
    46: lock *(u64 *)(r0 + 0) += r1
    47: goto 22
    48: r1 = 1
    5 |     @a[1] = 10; @a[2] = 20;
      |                 ^~~~~~~~~~
    49: lock *(u64 *)(r0 + 0) += r1
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |     ^~~~~
    50: if r6 s> 3 goto 52
    51: goto 82
    52: r1 = 0
    8 |     for ($kv : @a) { @sum = @sum + $kv.1 }
      |     ^~~
    53: *(u64 *)(r10 - 72) = r1
    54: r3 = r10
    55: r3 += -72
    56: r1 = map @a
    58: r2 = &BEGIN_for1 (99)
    60: r4 = 0
    61: call bpf_for_each_map_elem
    62: r1 = &map slots
    64: r2 = *(u64 *)(r1 + 0)
    65: if r2 == 0 goto 67
    66: goto 70
    67: r2 = 0x100000000 ll
    9 |     exit
      |     ^~~~
    69: *(u64 *)(r1 + 0) = r2
    4 | probe BEGIN {
      |       ^~~~~
    70: w0 = 0
    71: exit
    72: w1 = 1
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |                      ^~~~~~~~~~~~~~~~~
    73: *(u32 *)(r10 - 60) = w1
    74: r2 = r10
    75: r2 += -60
    76: r1 = map map_full
    78: call bpf_map_lookup_elem
    79: if r0 != 0 goto 96
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |                                         ^~~~
    80: r6 += 1
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |     ^~~~~
    81: if r6 s> 3 goto 52
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |                      ^~~~~~~~~~~~~~~~~
    82: *(u64 *)(r10 - 48) = r6
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |                                   ^
    83: r1 = r6
    84: r1 *= r1
    7 |     while ($i < 4) { @sq[$i] = $i * $i; $i++ }
      |                      ^~~~~~~~~~~~~~~~~
    85: *(u64 *)(r10 - 56) = r1
    86: r2 = r10
    87: r2 += -48
    88: r3 = r10
    89: r3 += -56
    90: r1 = map @sq
    92: r4 = 0
    93: call bpf_map_update_elem
    94: if r0 s< 0 goto 72
    95: goto 80
    96: r1 = 1
    97: lock *(u64 *)(r0 + 0) += r1
    98: goto 80
function BEGIN_for1 (called from the program, numbered after it)
    8 |     for ($kv : @a) { @sum = @sum + $kv.1 }
    99: r8 = r3
   100: r9 = r2
   101: w1 = 0
      |     ^~~
   102: *(u32 *)(r10 - 4) = w1
   103: r2 = r10
   104: r2 += -4
   105: r1 = map scratch
   107: call bpf_map_lookup_elem
   108: r7 = r0
   109: r6 = 1
   110: if r7 != 0 goto 113
   111: r0 = r6
   112: exit
   113: r1 = *(u64 *)(r9 + 0)
   114: *(u64 *)(r7 + 0) = r1
   115: r1 = *(u64 *)(r8 + 0)
   116: *(u64 *)(r7 + 8) = r1
   117: r6 = 0
    8 |     for ($kv : @a) { @sum = @sum + $kv.1 }
      |                             ^~~~
   118: *(u64 *)(r10 - 16) = r6
   119: r2 = r10
   120: r2 += -16
   121: r1 = map @sum
   123: call bpf_map_lookup_elem
   124: r1 = 0
   125: if r0 == 0 goto 127
   126: r1 = *(u64 *)(r0 + 0)
    8 |     for ($kv : @a) { @sum = @sum + $kv.1 }
      |                                    ^~~~~
   127: r2 = *(u64 *)(r7 + 8)
    8 |     for ($kv : @a) { @sum = @sum + $kv.1 }
      |                                  ^
   128: r1 += r2
    8 |     for ($kv : @a) { @sum = @sum + $kv.1 }
      |                      ^~~~~~~~~~~~~~~~~~~
   129: *(u64 *)(r10 - 32) = r1
   130: *(u64 *)(r10 - 24) = r6
   131: r2 = r10
   132: r2 += -24
   133: r3 = r10
   134: r3 += -32
   135: r1 = map @sum
   137: r4 = 0
   138: call bpf_map_update_elem
   139: if r0 s> -1 goto 111
   140: w1 = 2
   141: *(u32 *)(r10 - 36) = w1
   142: r2 = r10
   143: r2 += -36
   144: r1 = map map_full
   146: call bpf_map_lookup_elem
   147: if r0 == 0 goto 111
   148: r1 = 1
   149: lock *(u64 *)(r0 + 0) += r1
   150: goto 111

