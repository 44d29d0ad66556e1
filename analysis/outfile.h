/* outfile.h: how fpq writes a file (core/outfile.c).
 *
 * One rule for every file fpq writes:
 *
 *   - A new or replaced regular file is written to a temporary file made
 *     with mkstemp (O_EXCL: an unpredictable name, never a link followed)
 *     in the target's directory, flushed with fsync, and renamed into
 *     place; on an error, and on SIGINT, SIGTERM or SIGHUP, the temporary
 *     is removed.  A target that does not exist is created only if it
 *     still does not exist at the rename.
 *   - An existing regular file is replaced only with FPQ_OUT_FORCE.
 *   - A symbolic link to a regular file is written through: the file it
 *     names is replaced (with FPQ_OUT_FORCE) and the link stays.  A link
 *     to nothing is refused.
 *   - An existing character device (/dev/null, a terminal) or FIFO is
 *     written in place, never replaced, and needs no FPQ_OUT_FORCE; a FIFO
 *     without a reader is refused instead of waiting.  A directory, a
 *     block device, a socket are refused.
 *
 * Files written in place and grown row by row (a sweep's CSV) are opened
 * by their caller and locked with fpq_out_lock (flock), which names the
 * process holding the lock when another one does. */
#ifndef FPQ_OUTFILE_H
#define FPQ_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "status.h"

enum {
    FPQ_OUT_FORCE = 1, /* an existing regular file may be replaced */
    FPQ_OUT_LOCK = 2   /* hold an exclusive lock (flock) on an existing
                          target until commit or abort; refused when
                          another process holds one */
};

typedef struct fpq_outfile {
    int fd;          /* write here */
    char *path;      /* the target as given (messages name it) */
    char *target;    /* the file renamed over: path, or what a link names */
    char *tmp;       /* the temporary; NULL when written in place */
    int slot;        /* its slot in the signal cleanup list, or -1 */
    bool replace;    /* target existed: rename over it */
    mode_t mode;     /* permissions of the result */
    int lock_fd;     /* the locked existing target (FPQ_OUT_LOCK), or -1 */
    dev_t lock_dev;  /* its device and inode */
    ino_t lock_ino;
} fpq_outfile;

/* Open path for writing a whole file under the rules above.  FPQ_OK,
 * FPQ_LAB_ERR_IO (a refused target, the message says why and what to do)
 * or FPQ_ERR_NO_MEMORY.  On success, write to f->fd, then call
 * fpq_out_commit or fpq_out_abort. */
int fpq_out_open(fpq_outfile *f, const char *path, unsigned flags, fpq_errbuf *err);

/* Whether fpq_out_open would accept path (a device or FIFO is not opened):
 * for a command to refuse its output before it computes.  FPQ_OK or
 * fpq_out_open's error. */
int fpq_out_check(const char *path, unsigned flags, fpq_errbuf *err);

/* Write all n bytes of p to f->fd.  FPQ_OK or FPQ_LAB_ERR_IO. */
int fpq_out_write(fpq_outfile *f, const void *p, size_t n, fpq_errbuf *err);

/* Finish: fsync, close and rename the temporary into place (in place:
 * fsync where the file supports it, and close).  On failure the temporary
 * is removed and the target is as it was.  f is released either way. */
int fpq_out_commit(fpq_outfile *f, fpq_errbuf *err);

/* Give up: close and remove the temporary; the target is as it was. */
void fpq_out_abort(fpq_outfile *f);

/* Whether the descriptor fd is the file f locked (FPQ_OUT_LOCK). */
bool fpq_out_is_locked_file(const fpq_outfile *f, int fd);

/* Lock fd (opened on path) with flock, exclusive or shared, without
 * waiting.  FPQ_OK, or FPQ_LAB_ERR_IO with a message naming path, the
 * process that holds the lock when /proc/locks tells, and then advice. */
int fpq_out_lock(int fd, const char *path, bool exclusive, const char *advice, fpq_errbuf *err);

/* Write all n bytes of s to fd, again after EINTR.  0, or -1 with errno. */
int fpq_write_all(int fd, const void *s, size_t n);

#endif
