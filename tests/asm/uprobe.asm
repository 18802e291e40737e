uprobe:/bin/bash:readline: program readline, 55 instructions
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
     0: r6 = r1
     1: w1 = 0
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~
     2: *(u32 *)(r10 - 4) = w1
     3: r1 = &map slots
     5: r1 = *(u64 *)(r1 + 0)
     6: if r1 == 0 goto 9
     7: w0 = 0
     8: exit
     9: r7 = &map run
    11: r8 = *(u64 *)(r7 + 0)
    12: if r8 == 0 goto 16
    13: call bpf_get_current_pid_tgid
    14: r0 >>= 32
    15: if r0 != r8 goto 7
    16: r1 = *(u64 *)(r7 + 32)
    17: if r1 == 0 goto 23
    18: r1 = map cgroup
    20: r2 = 0
    21: call bpf_current_task_under_cgroup
    22: if r0 != 1 goto 7
    23: r8 = 0
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                   ^~~~~~~~~~~~~~~~~~~~~
    24: r1 = map events
    26: r2 = 24
    27: r3 = 0
    28: call bpf_ringbuf_reserve
    29: r7 = r0
    30: if r7 != 0 goto 40
    31: r2 = r10
    32: r2 += -4
    33: r1 = map lost
    35: call bpf_map_lookup_elem
    36: if r0 == 0 goto 7
    37: r1 = 1
    38: lock *(u64 *)(r0 + 0) += r1
    39: goto 7
    40: *(u64 *)(r7 + 0) = r8
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                         ^~~~
    41: r1 = *(u64 *)(r6 + 112)           ; arg1
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                   ^~~~~~~~~~~~~~~~~~~~~
    42: *(u64 *)(r7 + 8) = r1
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                               ^~~~~~~~~
    43: r1 = *(u64 *)(r6 + 152)           ; regs.sp
    2 | probe uprobe:/bin/bash:readline { print arg1, reg("sp") }
      |                                   ^~~~~~~~~~~~~~~~~~~~~
    44: *(u64 *)(r7 + 16) = r1
    45: r1 = map events
    47: r2 = 0
    48: call bpf_ringbuf_query
    49: r2 = 2
    50: if r0 > 0x40000 goto 52
    51: r2 = 1
    52: r1 = r7
    53: call bpf_ringbuf_submit
    54: goto 7

