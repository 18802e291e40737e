#include <sys/sdt.h>
