/* io/gnubg.c: GNU Backgammon's binary neural-net weights (gnubg.wd, Debian
 * package gnubg, /usr/lib/gnubg/gnubg.wd), all little-endian:
 *
 *   float32 magic 472.3782 (bits 0x43ec3069), float32 version (1.0)
 *   then nets until the end of the file, each:
 *     int32 cInput, cHidden, cOutput, nTrained; float32 betaHidden, betaOutput
 *     float32 hidden weights  [cInput][cHidden]   (input-major)
 *     float32 output weights  [cOutput][cHidden]
 *     float32 hidden thresholds [cHidden], output thresholds [cOutput]
 *
 * (gnubg's lib/neuralnet.c, NeuralNetLoadBinary.)  Debian's 1.07 file holds
 * 408016 bytes: six nets, in the order gnubg's eval.c loads them -- contact
 * (250-128-5), race (214-128-5), crashed (250-128-5), then the pruning nets
 * for contact (200-16-5), crashed (200-16-5) and race (200-8-5).  Each net
 * NET gives four tensors: NET.hidden_weight (cInput x cHidden),
 * NET.output_weight (cOutput x cHidden), NET.hidden_bias, NET.output_bias;
 * nets past the sixth are called net6, net7, ... */
#include "io-impl.h"

#include <stdio.h>
#include <string.h>

static const char *const net_names[] = {"contact", "race", "crashed",
                                        "prune_contact", "prune_crashed", "prune_race"};

int fpq_io_parse_gnubg(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "gnubg";
    const unsigned char *b = f->buf;
    size_t len = f->len;
    if (len < 8 || fpq_io_ld32(b, 0) != 0x43ec3069u)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: not a gnubg binary weights file (no magic 472.3782)", f->path);
    size_t pos = 8;
    for (unsigned net = 0; pos < len; net++) {
        if (len - pos < 24)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                           "%s: truncated net header at byte %zu (%zu bytes left, 24 needed)",
                           f->path, pos, len - pos);
        int32_t ci = (int32_t)fpq_io_ld32(b + pos, 0), ch = (int32_t)fpq_io_ld32(b + pos + 4, 0),
                co = (int32_t)fpq_io_ld32(b + pos + 8, 0),
                nt = (int32_t)fpq_io_ld32(b + pos + 12, 0);
        if (ci < 1 || ch < 1 || co < 1 || nt < 0)
            return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                           "%s: net %u at byte %zu has sizes %d-%d-%d (trained %d): not a net",
                           f->path, net, pos, ci, ch, co, nt);
        pos += 24;
        char name[32];
        if (net < sizeof net_names / sizeof net_names[0])
            snprintf(name, sizeof name, "%s", net_names[net]);
        else
            snprintf(name, sizeof name, "net%u", net);
        const struct {
            const char *part;
            uint64_t rows, cols;
            int ndim;
        } parts[4] = {
            {"hidden_weight", (uint64_t)ci, (uint64_t)ch, 2},
            {"output_weight", (uint64_t)co, (uint64_t)ch, 2},
            {"hidden_bias", (uint64_t)ch, 0, 1},
            {"output_bias", (uint64_t)co, 0, 1},
        };
        for (int p = 0; p < 4; p++) {
            fpq_io_tensor t;
            memset(&t, 0, sizeof t);
            t.type = FPQ_IO_F32;
            t.ndim = parts[p].ndim;
            t.shape[0] = parts[p].rows;
            t.shape[1] = parts[p].cols;
            t.offset = pos;
            uint64_t n = parts[p].ndim == 2 ? parts[p].rows * parts[p].cols : parts[p].rows;
            /* sizes are below 2^31 each, so n < 2^62 and 4 n cannot overflow */
            if (4 * n > len - pos)
                return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                               "%s: %s.%s (%llu floats at byte %zu) runs past the end of the "
                               "file (%zu bytes)", f->path, name, parts[p].part,
                               (unsigned long long)n, pos, len);
            char full[64];
            snprintf(full, sizeof full, "%s.%s", name, parts[p].part);
            int rc = fpq_io_add(f, &t, full, strlen(full), err);
            if (rc != FPQ_OK)
                return rc;
            pos += (size_t)(4 * n);
        }
    }
    if (f->nt == 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: holds no nets (only the 8-byte header)",
                       f->path);
    return FPQ_OK;
}
