/* status.c: the lab's status names and error messages (status.h). */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static const char *const lab_text[FPQ_LAB_ERR_COUNT_ - FPQ_ERR_COUNT_] = {
    [FPQ_LAB_ERR_IO - FPQ_ERR_COUNT_] = "cannot read or write a file",
    [FPQ_LAB_ERR_FORMAT - FPQ_ERR_COUNT_] = "malformed or unsupported data",
    [FPQ_LAB_ERR_SPEC - FPQ_ERR_COUNT_] = "invalid spec",
    [FPQ_LAB_ERR_EMPTY - FPQ_ERR_COUNT_] = "empty tensor",
};

const char *fpq_lab_strerror(int status)
{
    if (status >= FPQ_ERR_COUNT_ && status < FPQ_LAB_ERR_COUNT_)
        return lab_text[status - FPQ_ERR_COUNT_];
    return fpq_strerror(status);
}

int fpq_err(fpq_errbuf *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}
