# The test suite: ctest, as root, on the real kernel.
set(TP_TEST_ENV TP=$<TARGET_FILE:tinyprobe> HELPER=$<TARGET_FILE:tp_helper>
                HELPER_NOFP=$<TARGET_FILE:tp_helper_nofp>
                TP_SKIPPED=${CMAKE_BINARY_DIR}/skipped
                # the compiled-object cache of the tests' own, which each
                # script's second run loads from
                XDG_CACHE_HOME=${CMAKE_BINARY_DIR}/test-cache
                TP_CROSS_DIR=${CMAKE_BINARY_DIR}/cross
                FOREIGN_ABI=$<TARGET_FILE:compiler_foreign_abi>
                FOREIGN_INTERFACE=$<TARGET_FILE:compiler_foreign_interface>)
# A case that cannot run here says why in a file of skipped/ (tests/lib.sh,
# skip), and ctest shows those reasons after its summary: its own list of
# tests not run says only "Skipped".
file(WRITE ${CMAKE_BINARY_DIR}/CTestCustom.cmake "
set(CTEST_CUSTOM_PRE_TEST \"sh -c 'rm -rf ${CMAKE_BINARY_DIR}/skipped && mkdir ${CMAKE_BINARY_DIR}/skipped'\")
set(CTEST_CUSTOM_POST_TEST \"${CMAKE_SOURCE_DIR}/tests/skipped.sh ${CMAKE_BINARY_DIR}/skipped\")
")
if(TP_SANITIZE)
  list(APPEND TP_TEST_ENV TP_ASAN=1) # some limits cannot be tested under ASan
endif()

# The cases of a script of tests/: a test PREFIX_CASE each, run as
# tests/SCRIPT.sh CASE on the real kernel, one at a time (they share it),
# for at most two minutes; 77 is a skip.
function(tp_cases script prefix)
  foreach(case ${ARGN})
    add_test(NAME ${prefix}_${case} COMMAND ${CMAKE_SOURCE_DIR}/tests/${script}.sh ${case})
    set_tests_properties(${prefix}_${case} PROPERTIES ENVIRONMENT "${TP_TEST_ENV}"
                         SKIP_RETURN_CODE 77 TIMEOUT 120 RUN_SERIAL TRUE)
  endforeach()
endfunction()

# End to end: tinyprobe traces tp_helper; see tests/e2e.sh.
set(TP_E2E_CASES oneliner fields open_script shared_specs exec_script exec_long_argv kprobe_dry_run
    kprobe_missing kprobe_attach kretprobe_retval kprobe_no_function signals exit_codes
    lost_events script_files values strings inspect list_scripts verifier_reject unprivileged
    cpu_order count_opens count_cpus ppid_time more_scripts print_when_full counter_every_second
    lost_events_json json_strings int_widths json_head buffering output_options join_statement
    ntop_sock signal_unsafe user_actions cgroup_funcs loop_unbounded for_map_events)
tp_cases(e2e e2e ${TP_E2E_CASES})

# Hardening: output faults, signals, limits; see tests/hardening.sh.
tp_cases(hardening hardening output_full output_fs_full output_cut_line stdout_closed
         blocked_reader reader_gone sighup output_late fd_limit no_caps verifier_long_log
         memory_limit verifier_many linear_parse long_jumps event_storm sample_rate exit_gate
         output_kept cache_clear map_memory detach_many)

# The compiler module: no LLVM in the executable, the module opened only to
# compile, and refused or missing, said; see tests/compiler.sh.
tp_cases(compiler compiler no_llvm not_compiling maps missing foreign)

# Kernel structs through BTF: see tests/btf.sh.
set(TP_BTF_CASES nanosleep_chain core_relocations rawtracepoint_typed uprobe_cast no_btf too_large kprobe_typed
    fentry_typed sleeps_script runqlat_script tcplife_script enum_names)
tp_cases(btf btf ${TP_BTF_CASES})

# Stacks and symbols: see tests/stacks.sh.
set(TP_STACK_CASES ustack_chain exited kstack_syscall stack_modes symbols kprobe_stack dwarf_chain stack_lines stack_tuple folded
    flamegraph profile_script offcputime_script perf_kinds)
tp_cases(stacks stacks ${TP_STACK_CASES})

# The -d listings that load (verifier, xlated) and --color: see
# tests/listing.sh; -d asm's goldens are tests/asm (below).
set(TP_LISTING_CASES verifier_accepted verifier_refused xlated color)
tp_cases(listing listing ${TP_LISTING_CASES})

# docs/tutorial.md: every command of each lesson runs (tests/tutorial.sh);
# the kprobe lessons run for real in the VM too.
tp_cases(tutorial tutorial 1 2 3 4 5 6 7 8 9 10 11 12)

# Probe kinds and targeting: see tests/probes.sh.
set(TP_PROBES_CASES uprobe_args uprobe_library uprobe_pattern uprobe_offset uprobe_offset_libc
    uprobe_offset_unreadable uretprobe_readline
    rawtracepoint_args tracepoint_pattern shared_programs too_many_programs list command pid
    cgroup kprobe_pattern
    kprobe_not_traceable fentry_args fentry_pattern fexit_retval fentry_no_btf usdt_args
    usdt_errors command_begin_first command_ends pid_interval command_errors)
tp_cases(probes probes ${TP_PROBES_CASES})

# Unit: the register layouts of both architectures (bpf/arch.c), where
# their instructions start (bpf/insn.c), BPF's as the listings print them
# (bpf/disasm.c), the slots' layout (lang/plan.c), the plan's bytes in a
# compiled script (lang/plan_io.c), and that the plan keeps nothing of the
# tree.
add_test(NAME unit_arch COMMAND arch_test)
add_test(NAME unit_insn COMMAND insn_test)
add_test(NAME unit_disasm COMMAND disasm_test)
add_test(NAME unit_plan COMMAND plan_test)
add_test(NAME unit_plan_io COMMAND plan_io_test)
add_test(NAME unit_output COMMAND output_test)
add_test(NAME unit_plan_owns COMMAND plan_owns_test)

# The man page names every builtin, function and probe kind (man_test), and
# every option and built-in script (tests/man.sh).
add_test(NAME unit_man COMMAND man_test ${CMAKE_SOURCE_DIR}/docs/tinyprobe.1.scd)
add_test(NAME man_page COMMAND ${CMAKE_SOURCE_DIR}/tests/man.sh)
set_tests_properties(man_page PROPERTIES ENVIRONMENT "${TP_TEST_ENV}" SKIP_RETURN_CODE 77)

# Golden cases: a test PREFIX_NAME for each tests/FOLDER/NAME.tp, run by
# tests/FOLDER.sh NAME ARG... in that folder, for at most TIMEOUT seconds.
# Adding a case is dropping its files into the folder.
function(tp_golden folder prefix timeout)
  file(GLOB cases ${CMAKE_SOURCE_DIR}/tests/${folder}/*.tp)
  foreach(path ${cases})
    get_filename_component(name ${path} NAME_WE)
    add_test(NAME ${prefix}_${name} COMMAND ${CMAKE_SOURCE_DIR}/tests/${folder}.sh ${name} ${ARGN}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}/tests/${folder})
    set_tests_properties(${prefix}_${name} PROPERTIES ENVIRONMENT "${TP_TEST_ENV}"
                         SKIP_RETURN_CODE 77 TIMEOUT ${timeout})
  endforeach()
endfunction()

# Script errors: each tests/errors/NAME.tp must fail with exactly NAME.err.
tp_golden(errors error 1500)
# Golden output: each tests/run/NAME.tp must print exactly NAME.out, and
# with -f json exactly NAME.json; compiled with --emit, then run from the
# .tpo, exactly NAME.out again.
tp_golden(run run 120)
tp_golden(run run_json 120 json)
tp_golden(run run_tpo 120 tpo)

# Codegen: each tests/codegen/*.tp compiles and passes the kernel's verifier;
# long_strings with strings larger than the BPF stack; funcs with --unsafe
# and strings as long as strcontains() may compare.
file(GLOB TP_CODEGEN_CASES ${CMAKE_SOURCE_DIR}/tests/codegen/*.tp)
foreach(path ${TP_CODEGEN_CASES})
  get_filename_component(name ${path} NAME_WE)
  set(extra "")
  if(name STREQUAL "long_strings")
    set(extra --str-size 1024)
  elseif(name STREQUAL "funcs")
    set(extra --unsafe --str-size 128)
  endif()
  add_test(NAME verifier_${name} COMMAND tinyprobe --dry-run ${extra} ${path})
endforeach()

# Compiled scripts and the compiled-object cache: see tests/compiled.sh.
# compiled_cross_emit also makes the compiled script the VM's cross_run
# runs on the second kernel.
tp_cases(compiled compiled emit_run emit_errors no_llvm tracepoint_moved record_moved cross_emit
         cache_hit cache_module
         cache_owner cache_mode cache_truncated cache_flipped cache_foreign cache_dir
         cache_two_writers cache_prune tuple_stacks hostile_records hostile_events hostile_system hostile_signal
         hostile_maps hostile_places hostile_points cache_not_entries)
set_tests_properties(compiled_cross_emit PROPERTIES FIXTURES_SETUP qemu)

# Front end: trees as the parser and checks make them.
tp_golden(ast ast 1500)
# The plan: how each map and event is laid out (-d plan), no kernel needed.
tp_golden(plan plan 1500)
# -d asm: each program's instructions under its script lines (tests/asm.sh).
tp_golden(asm asm 1500)

# The second kernel: this machine's has no kprobes and runs no fentry, so
# Debian's stock kernel boots under qemu with this root file system mounted
# read-only, and the whole end-to-end suite runs there (tests/qemu/guest.sh),
# those cases included. Label "vm": ctest -L vm runs it alone. Skipped where
# qemu-system-x86 or busybox-static is missing.
set(TP_QEMU_DIR ${CMAKE_BINARY_DIR}/qemu)
string(REPLACE ";" " " TP_E2E_LIST "${TP_E2E_CASES}")
string(REPLACE ";" " " TP_PROBES_LIST "${TP_PROBES_CASES}")
string(REPLACE ";" " " TP_BTF_LIST "${TP_BTF_CASES}")
string(REPLACE ";" " " TP_LISTING_LIST "${TP_LISTING_CASES}")
# on the second kernel: what differs with the kernel (kprobes, its stacks)
string(REPLACE ";" " " TP_STACK_LIST "ustack_chain exited kstack_syscall kprobe_stack dwarf_chain")
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/qemu-guest.sh CONTENT "
export TP=$<TARGET_FILE:tinyprobe> HELPER=$<TARGET_FILE:tp_helper> HELPER_NOFP=$<TARGET_FILE:tp_helper_nofp>
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1
export E2E_CASES='${TP_E2E_LIST}' PROBES_CASES='${TP_PROBES_LIST}' BTF_CASES='${TP_BTF_LIST}' STACK_CASES='${TP_STACK_LIST}'
export LISTING_CASES='${TP_LISTING_LIST}' TUTORIAL_CASES='6 7 12'
export COMPILED_CASES='cross_run' TP_CROSS_DIR=${CMAKE_BINARY_DIR}/cross
exec bash ${CMAKE_SOURCE_DIR}/tests/qemu/guest.sh
")
add_test(NAME qemu_prepare COMMAND sh -c
  "command -v qemu-system-x86_64 >/dev/null && test -x /bin/busybox || \
   { echo 'qemu_prepare: no qemu-system-x86_64 or busybox-static' | tee \"$TP_SKIPPED/qemu_prepare\"; exit 77; }; \
   ${CMAKE_SOURCE_DIR}/tests/qemu/prepare.sh ${TP_QEMU_DIR}")
set_tests_properties(qemu_prepare PROPERTIES FIXTURES_SETUP qemu SKIP_RETURN_CODE 77 TIMEOUT 600
                     ENVIRONMENT TP_SKIPPED=${CMAKE_BINARY_DIR}/skipped
                     LABELS vm)
add_test(NAME qemu_suite COMMAND ${CMAKE_SOURCE_DIR}/tests/qemu/run.sh ${TP_QEMU_DIR}
                                 ${CMAKE_BINARY_DIR}/qemu-guest.sh)
set_tests_properties(qemu_suite PROPERTIES FIXTURES_REQUIRED qemu SKIP_RETURN_CODE 77
                     ENVIRONMENT TP_SKIPPED=${CMAKE_BINARY_DIR}/skipped
                     TIMEOUT 3100 RUN_SERIAL TRUE LABELS vm)

# The fuzz targets replay their seeds and past crashes (fuzz builds only);
# tp_helper is one of fuzz_elf's seeds.
if(TP_FUZZ)
  foreach(t fuzz_front fuzz_codegen fuzz_format fuzz_elf)
    add_test(NAME ${t}_replay COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/replay.sh $<TARGET_FILE:${t}>)
    set_tests_properties(${t}_replay PROPERTIES TIMEOUT 600
                         ENVIRONMENT HELPER=$<TARGET_FILE:tp_helper>)
  endforeach()
endif()
