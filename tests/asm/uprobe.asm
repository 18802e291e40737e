uprobe:/bin/bash:readline: program readline, 41 instructions
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
     0: w2 = 0
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~
     1: *(u32 *)(r10 - 4) = w2
     2: r2 = &map slots
     4: r2 = *(u64 *)(r2 + 0)
     5: if r2 == 0 goto 8
     6: w0 = 0
     7: exit
     8: r7 = r1
     9: r8 = 0
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                   ^~~~~~~~~~~~~~~~~~~~~
    10: r1 = map events
    12: r2 = 24
    13: r3 = 0
    14: call bpf_ringbuf_reserve
    15: r6 = r0
    16: if r6 != 0 goto 26
    17: r2 = r10
    18: r2 += -4
    19: r1 = map lost
    21: call bpf_map_lookup_elem
    22: if r0 == 0 goto 6
    23: r1 = 1
    24: lock *(u64 *)(r0 + 0) += r1
    25: goto 6
    26: *(u64 *)(r6 + 0) = r8
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                         ^~~~
    27: r1 = *(u64 *)(r7 + 112)           ; arg1
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                   ^~~~~~~~~~~~~~~~~~~~~
    28: *(u64 *)(r6 + 8) = r1
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                               ^~~~~~~~~
    29: r1 = *(u64 *)(r7 + 152)           ; regs.sp
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                   ^~~~~~~~~~~~~~~~~~~~~
    30: *(u64 *)(r6 + 16) = r1
    31: r1 = map events
    33: r2 = 0
    34: call bpf_ringbuf_query
    35: r2 = 2
    36: if r0 > 0x40000 goto 38
    37: r2 = 1
    38: r1 = r6
    39: call bpf_ringbuf_submit
    40: goto 6

