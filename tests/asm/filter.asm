tracepoint:syscalls:sys_enter_openat: program sys_enter_openat, 67 instructions
    4 | probe tracepoint:syscalls:sys_enter_openat / pid > 1 / {
     0: r6 = r1
     1: w1 = 0
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
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
    4 | probe tracepoint:syscalls:sys_enter_openat / pid > 1 / {
      |                                              ^~~
    23: call bpf_get_current_pid_tgid
    24: r1 = 0x200000000 ll
    4 | probe tracepoint:syscalls:sys_enter_openat / pid > 1 / {
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    26: if r0 < r1 goto 7
    27: r8 = 0
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    28: r1 = map events
    30: r2 = 80
    31: r3 = 0
    32: call bpf_ringbuf_reserve
    33: r7 = r0
    34: if r7 != 0 goto 44
    35: r2 = r10
    36: r2 += -4
    37: r1 = map lost
    39: call bpf_map_lookup_elem
    40: if r0 == 0 goto 7
    41: r1 = 1
    42: lock *(u64 *)(r0 + 0) += r1
    43: goto 7
    44: *(u64 *)(r7 + 0) = r8
    5 |     print pid, str(args.filename)
      |           ^~~
    45: call bpf_get_current_pid_tgid
    46: r0 >>= 32
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    47: *(u64 *)(r7 + 8) = r0
    5 |     print pid, str(args.filename)
      |                    ^~~~~~~~~~~~~
    48: r3 = *(u64 *)(r6 + 24)            ; args.filename
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    49: r1 = r7
    50: r1 += 16
    5 |     print pid, str(args.filename)
      |                ^~~~~~~~~~~~~~~~~~
    51: if r3 s< 0 goto 55
    52: r2 = 64
    53: call bpf_probe_read_user_str
    54: goto 57
    55: r2 = 64
    56: call bpf_probe_read_kernel_str
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    57: r1 = map events
    59: r2 = 0
    60: call bpf_ringbuf_query
    61: r2 = 2
    62: if r0 > 0x40000 goto 64
    63: r2 = 1
    64: r1 = r7
    65: call bpf_ringbuf_submit
    66: goto 7

