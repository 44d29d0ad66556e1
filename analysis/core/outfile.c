/* outfile.c: writing files through a temporary renamed into place, in
 * place for devices and FIFOs, and locks (outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* ---------------------------------------------------------------------- */
/* Temporaries removed on SIGINT, SIGTERM, SIGHUP.                        */

#define NSLOTS 16
static char *volatile slots[NSLOTS];
static int nactive;
static const int cleanup_sigs[3] = {SIGINT, SIGTERM, SIGHUP};
static bool installed[3];

/* Remove every registered temporary, then die of the signal (the handler
 * was installed with SA_RESETHAND: the default action is back). */
static void on_signal(int sig)
{
    for (int i = 0; i < NSLOTS; i++) {
        char *p = slots[i];
        if (p)
            unlink(p);
    }
    raise(sig);
}

static void block_all(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, old);
}

/* Put path in a free slot (-1 when none is free: no cleanup on a signal).
 * The handlers are installed while a slot is in use, for the signals
 * whose action is the default (a program's own handler is left alone). */
static int register_tmp(char *path)
{
    int slot = -1;
    for (int i = 0; i < NSLOTS && slot < 0; i++)
        if (!slots[i])
            slot = i;
    if (slot < 0)
        return -1;
    slots[slot] = path;
    if (nactive++ == 0)
        for (int k = 0; k < 3; k++) {
            struct sigaction cur;
            installed[k] = false;
            if (sigaction(cleanup_sigs[k], NULL, &cur) != 0 || (cur.sa_flags & SA_SIGINFO) ||
                cur.sa_handler != SIG_DFL)
                continue;
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_signal;
            sigemptyset(&sa.sa_mask);
            sa.sa_flags = SA_RESETHAND;
            installed[k] = sigaction(cleanup_sigs[k], &sa, NULL) == 0;
        }
    return slot;
}

static void unregister_tmp(int slot)
{
    if (slot < 0)
        return;
    slots[slot] = NULL;
    if (--nactive == 0)
        for (int k = 0; k < 3; k++) {
            struct sigaction cur;
            if (installed[k] && sigaction(cleanup_sigs[k], NULL, &cur) == 0 && cur.sa_handler == on_signal)
                signal(cleanup_sigs[k], SIG_DFL);
            installed[k] = false;
        }
}

/* ---------------------------------------------------------------------- */
/* Locks.                                                                 */

/* The process holding a flock on the file of fd, from /proc/locks (0 when
 * it cannot be told). */
static long lock_holder(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return 0;
    FILE *f = fopen("/proc/locks", "r");
    if (!f)
        return 0;
    char line[256];
    long found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        char type[16], kind[16], mode[16];
        long pid;
        unsigned maj, min;
        unsigned long long ino;
        if (sscanf(line, "%*d: %15s %15s %15s %ld %x:%x:%llu", type, kind, mode, &pid, &maj, &min, &ino) == 7 &&
            strcmp(type, "FLOCK") == 0 && maj == major(st.st_dev) && min == minor(st.st_dev) &&
            ino == (unsigned long long)st.st_ino && pid != (long)getpid())
            found = pid;
    }
    fclose(f);
    return found;
}

int fpq_out_lock(int fd, const char *path, bool exclusive, const char *advice, fpq_errbuf *err)
{
    int r;
    while ((r = flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB)) != 0 && errno == EINTR)
        ;
    if (r == 0)
        return FPQ_OK;
    if (errno != EWOULDBLOCK) /* a file system without locks: go on unlocked */
        return errno == ENOLCK || errno == EINVAL || errno == EOPNOTSUPP
                   ? FPQ_OK
                   : fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot lock: %s", path, strerror(errno));
    long pid = lock_holder(fd);
    char who[96] = "another process";
    if (pid > 0) {
        char comm[32] = "", cpath[64];
        snprintf(cpath, sizeof cpath, "/proc/%ld/comm", pid);
        FILE *c = fopen(cpath, "r");
        if (c) {
            if (!fgets(comm, sizeof comm, c))
                comm[0] = '\0';
            fclose(c);
            comm[strcspn(comm, "\n")] = '\0';
        }
        snprintf(who, sizeof who, "process %ld%s%s", pid, comm[0] ? ", " : "", comm);
    }
    return fpq_err(err, FPQ_LAB_ERR_IO, "%s is in use by %s: %s", path, who, advice);
}

bool fpq_out_is_locked_file(const fpq_outfile *f, int fd)
{
    struct stat st;
    return f->lock_fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == f->lock_dev && st.st_ino == f->lock_ino;
}

/* ---------------------------------------------------------------------- */
/* Writing.                                                               */

int fpq_write_all(int fd, const void *s, size_t n)
{
    const char *p = s;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        if (w == 0) {
            errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int fpq_out_write(fpq_outfile *f, const void *p, size_t n, fpq_errbuf *err)
{
    if (fpq_write_all(f->fd, p, n) != 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: write error: %s", f->path, strerror(errno));
    return FPQ_OK;
}

static void release(fpq_outfile *f)
{
    if (f->fd >= 0)
        close(f->fd);
    if (f->lock_fd >= 0)
        close(f->lock_fd);
    sigset_t old;
    block_all(&old);
    unregister_tmp(f->slot);
    sigprocmask(SIG_SETMASK, &old, NULL);
    free(f->tmp);
    free(f->target);
    free(f->path);
    f->fd = f->lock_fd = f->slot = -1;
    f->tmp = f->target = f->path = NULL;
}

void fpq_out_abort(fpq_outfile *f)
{
    if (f->tmp)
        unlink(f->tmp);
    release(f);
}

static const char *kind_name(mode_t m)
{
    return S_ISBLK(m) ? "block device" : S_ISSOCK(m) ? "socket" : "special file";
}

/* A character device or FIFO: open it as it is. */
static int open_in_place(fpq_outfile *f, const struct stat *st, fpq_errbuf *err)
{
    int fifo = S_ISFIFO(st->st_mode);
    f->fd = open(f->path, O_WRONLY | O_NOCTTY | O_CLOEXEC | (fifo ? O_NONBLOCK : 0));
    if (f->fd < 0) {
        int e = errno;
        int rc = e == ENXIO && fifo ? fpq_err(err, FPQ_LAB_ERR_IO, "%s is a FIFO with no reader: start the "
                                                                   "reader first", f->path)
                                    : fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", f->path, strerror(e));
        release(f);
        return rc;
    }
    if (fifo) {
        int fl = fcntl(f->fd, F_GETFL);
        if (fl >= 0)
            fcntl(f->fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    return FPQ_OK;
}

/* Lock the existing regular target (FPQ_OUT_LOCK). */
static int lock_target(fpq_outfile *f, fpq_errbuf *err)
{
    f->lock_fd = open(f->target, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (f->lock_fd < 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", f->path, strerror(errno));
    struct stat st;
    if (fstat(f->lock_fd, &st) != 0)
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", f->path, strerror(errno));
    f->lock_dev = st.st_dev;
    f->lock_ino = st.st_ino;
    return fpq_out_lock(f->lock_fd, f->path, true, "wait for it to finish, or write elsewhere", err);
}

/* The temporary beside target: TARGET.fpq-tmp.XXXXXX, the name cut so
 * that the last component stays within NAME_MAX. */
static int make_tmp(fpq_outfile *f, fpq_errbuf *err)
{
    const char *slash = strrchr(f->target, '/');
    size_t dl = slash ? (size_t)(slash - f->target) + 1 : 0;
    const char *base = f->target + dl;
    size_t bl = strlen(base);
    if (bl > 200)
        bl = 200;
    size_t n = dl + bl + 32;
    if (!(f->tmp = malloc(n)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory", f->path);
    snprintf(f->tmp, n, "%.*s%.*s.fpq-tmp.XXXXXX", (int)dl, f->target, (int)bl, base);
    sigset_t old;
    block_all(&old);
    f->fd = mkostemp(f->tmp, O_CLOEXEC);
    int e = errno;
    if (f->fd >= 0)
        f->slot = register_tmp(f->tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (f->fd < 0) {
        free(f->tmp);
        f->tmp = NULL;
        return fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot create: %s", f->path, strerror(e));
    }
    return FPQ_OK;
}

int fpq_out_open(fpq_outfile *f, const char *path, unsigned flags, fpq_errbuf *err)
{
    memset(f, 0, sizeof *f);
    f->fd = f->lock_fd = f->slot = -1;
    if (!path || !*path)
        return fpq_err(err, FPQ_LAB_ERR_IO, "an empty output file name");
    if (!(f->path = strdup(path)))
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
    struct stat st, lst;
    int rc = FPQ_OK;
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s is a directory: give a file name", path);
        else if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
            return open_in_place(f, &st, err);
        else if (!S_ISREG(st.st_mode))
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s is a %s: fpq writes regular files, and character devices "
                         "(such as /dev/null) and FIFOs in place", path, kind_name(st.st_mode));
        else if (!(flags & FPQ_OUT_FORCE))
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s exists: add --force to replace it, or choose another name",
                         path);
        if (rc != FPQ_OK) {
            release(f);
            return rc;
        }
        f->replace = true;
        f->mode = st.st_mode & 07777;
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
            f->target = realpath(path, NULL);
        else
            f->target = strdup(path);
        if (!f->target)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", path, strerror(errno));
        else if (flags & FPQ_OUT_LOCK)
            rc = lock_target(f, err);
    } else if (errno == ENOENT) {
        if (lstat(path, &lst) == 0)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s is a symbolic link to a file that does not exist: fpq does "
                         "not create files through links; remove the link or name the file itself", path);
        else if (!(f->target = strdup(path)))
            rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "out of memory");
        mode_t um = umask(0);
        umask(um);
        f->mode = 0666 & ~um;
    } else {
        rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
    }
    if (rc == FPQ_OK)
        rc = make_tmp(f, err);
    if (rc != FPQ_OK)
        release(f);
    return rc;
}

int fpq_out_check(const char *path, unsigned flags, fpq_errbuf *err)
{
    struct stat st;
    if (path && *path && stat(path, &st) == 0 && (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)))
        return FPQ_OK; /* opened only when written */
    fpq_outfile f;
    int rc = fpq_out_open(&f, path, flags & ~(unsigned)FPQ_OUT_LOCK, err);
    if (rc == FPQ_OK)
        fpq_out_abort(&f);
    return rc;
}

/* Rename tmp to target unless target exists (then -1 with EEXIST). */
static int rename_new(const char *tmp, const char *target)
{
#ifdef RENAME_NOREPLACE
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, target, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
#endif
    if (link(tmp, target) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno == EEXIST)
        return -1;
    struct stat st; /* a file system without hard links */
    if (lstat(target, &st) == 0) {
        errno = EEXIST;
        return -1;
    }
    return rename(tmp, target);
}

/* fsync the directory holding path, so that the rename lasts. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

int fpq_out_commit(fpq_outfile *f, fpq_errbuf *err)
{
    int rc = FPQ_OK;
    if (!f->tmp) {
        if (fsync(f->fd) != 0 && errno != EINVAL && errno != EROFS && errno != ENOTSUP)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", f->path, strerror(errno));
        int fd = f->fd;
        f->fd = -1;
        if (close(fd) != 0 && rc == FPQ_OK)
            rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: %s", f->path, strerror(errno));
        release(f);
        return rc;
    }
    if (fchmod(f->fd, f->mode) != 0 || fsync(f->fd) != 0)
        rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: write error: %s", f->path, strerror(errno));
    int fd = f->fd;
    f->fd = -1;
    if (close(fd) != 0 && rc == FPQ_OK)
        rc = fpq_err(err, FPQ_LAB_ERR_IO, "%s: write error: %s", f->path, strerror(errno));
    if (rc == FPQ_OK && (f->replace ? rename(f->tmp, f->target) : rename_new(f->tmp, f->target)) != 0)
        rc = errno == EEXIST ? fpq_err(err, FPQ_LAB_ERR_IO, "%s appeared while it was being written: add "
                                       "--force to replace it, or choose another name", f->path)
                             : fpq_err(err, FPQ_LAB_ERR_IO, "%s: cannot rename the temporary file into place: "
                                       "%s", f->path, strerror(errno));
    if (rc != FPQ_OK) {
        fpq_out_abort(f);
        return rc;
    }
    sync_dir(f->target);
    sigset_t old; /* renamed: nothing to remove on a signal now */
    block_all(&old);
    unregister_tmp(f->slot);
    f->slot = -1;
    sigprocmask(SIG_SETMASK, &old, NULL);
    release(f);
    return FPQ_OK;
}
