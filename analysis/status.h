/* status.h: the status codes and error messages of libfpqlab.
 *
 * One space of statuses for both libraries: 0 (FPQ_OK) and libfpq's
 * FPQ_ERR_* codes (fpq.h), then the lab's own FPQ_LAB_ERR_* codes, which
 * continue that numbering without a gap.  fpq_lab_strerror names every one
 * of them.
 *
 * Functions of the lab that can fail return a status and, where a message
 * helps, write a sentence naming what is wrong and where (file, offset,
 * key) into an fpq_errbuf.  Nothing here prints or exits.
 */
#ifndef FPQ_LAB_STATUS_H
#define FPQ_LAB_STATUS_H

#include "fpq.h"

/* The lab's statuses, after libfpq's last code. */
typedef enum fpq_lab_status {
    FPQ_LAB_ERR_IO = FPQ_ERR_COUNT_, /* a file could not be read or written */
    FPQ_LAB_ERR_FORMAT,              /* a file's contents (or a tensor's values) are
                                        malformed or unsupported */
    FPQ_LAB_ERR_SPEC,                /* a generator, source or quantization spec is invalid */
    FPQ_LAB_ERR_EMPTY,               /* an empty tensor where values are needed */
    FPQ_LAB_ERR_COUNT_               /* one past the last status of either library; not a code */
} fpq_lab_status;

/* A static English sentence fragment for any status of libfpq or the lab
 * ("invalid spec", "out of memory"); libfpq's codes get fpq_strerror's
 * text, anything else "unknown error". */
const char *fpq_lab_strerror(int status);

typedef struct fpq_errbuf {
    char msg[512];
} fpq_errbuf;

/* sizeof the public struct `name` of the lab ("fpq_tensor", "fpq_errbuf",
 * "fpq_qspec", "fpq_qmetrics") as libfpqlab was built; 0 for another name
 * (core/layout.c).  With fpq_struct_size, a binding's check that it was
 * compiled against the headers of the libraries it runs with. */
size_t fpq_lab_struct_size(const char *name);

/* Write a message into err (when non-NULL) and return status. */
int fpq_err(fpq_errbuf *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
