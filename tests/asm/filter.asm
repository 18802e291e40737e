tracepoint:syscalls:sys_enter_openat: program sys_enter_openat, 53 instructions
    4 | probe tracepoint:syscalls:sys_enter_openat / pid > 1 / {
     0: r7 = r1
     1: w1 = 0
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
     2: *(u32 *)(r10 - 4) = w1
     3: r1 = &map slots
     5: r1 = *(u64 *)(r1 + 0)
     6: if r1 == 0 goto 9
     7: w0 = 0
     8: exit
    4 | probe tracepoint:syscalls:sys_enter_openat / pid > 1 / {
      |                                              ^~~
     9: call bpf_get_current_pid_tgid
    10: r1 = 0x200000000 ll
    4 | probe tracepoint:syscalls:sys_enter_openat / pid > 1 / {
      |       ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    12: if r0 < r1 goto 7
    13: r8 = 0
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    14: r1 = map events
    16: r2 = 80
    17: r3 = 0
    18: call bpf_ringbuf_reserve
    19: r6 = r0
    20: if r6 != 0 goto 30
    21: r2 = r10
    22: r2 += -4
    23: r1 = map lost
    25: call bpf_map_lookup_elem
    26: if r0 == 0 goto 7
    27: r1 = 1
    28: lock *(u64 *)(r0 + 0) += r1
    29: goto 7
    30: *(u64 *)(r6 + 0) = r8
    5 |     print pid, str(args.filename)
      |           ^~~
    31: call bpf_get_current_pid_tgid
    32: r0 >>= 32
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    33: *(u64 *)(r6 + 8) = r0
    5 |     print pid, str(args.filename)
      |                    ^~~~~~~~~~~~~
    34: r3 = *(u64 *)(r7 + 24)            ; args.filename
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    35: r1 = r6
    36: r1 += 16
    5 |     print pid, str(args.filename)
      |                ^~~~~~~~~~~~~~~~~~
    37: if r3 s< 0 goto 41
    38: r2 = 64
    39: call bpf_probe_read_user_str
    40: goto 43
    41: r2 = 64
    42: call bpf_probe_read_kernel_str
    5 |     print pid, str(args.filename)
      |     ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~
    43: r1 = map events
    45: r2 = 0
    46: call bpf_ringbuf_query
    47: r2 = 2
    48: if r0 > 0x40000 goto 50
    49: r2 = 1
    50: r1 = r6
    51: call bpf_ringbuf_submit
    52: goto 7

