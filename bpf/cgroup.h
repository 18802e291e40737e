/* cgroup v2 ids and paths, as bpftrace finds them: the id of a directory
 * (cgroupid(), when a script is compiled) and the directory of an id
 * (cgroup_path(), when an event is printed). */
#ifndef TP_CGROUP_H
#define TP_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* The cgroup id of the directory at `path` (its file handle, which for a
 * cgroup is its id): 0, or -errno. */
int cgroup_id(const char *path, uint64_t *id);

/* The path of cgroup `id` under the first cgroup v2 mount, as bpftrace
 * prints it: "unified:/system.slice/ssh.service" ("unified:/" for the root),
 * written into buf; "" when no directory has that id. */
const char *cgroup_path(uint64_t id, char *buf, size_t len);

#endif
