/* io/tfjs.c: TensorFlow.js models -- model.json and its binary shards.
 *
 * model.json (parsed with jansson) holds "weightsManifest": an array of
 * groups {"paths": [shard, ...], "weights": [{"name", "shape", "dtype",
 * optional "quantization": {"dtype", "scale", "min"}}, ...]}.  A group's
 * weights lie one after another, little-endian, row-major, in the
 * concatenation of its shards (paths relative to model.json's directory;
 * absolute paths and ".." are refused).  Sizes: float32 and int32 4 bytes,
 * bool 1, complex64 8; quantized weights take their quantization dtype's
 * size (uint8 1, uint16 2, float16 2); a string weight is, per element, a
 * u32 length and that many bytes.
 *
 * Readable: float32, int32, bool.  Quantized weights, strings and
 * complex64 are listed (with the quantized dtype) and refused. */
#include "io-impl.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int path_ok(const char *p)
{
    if (p[0] == '\0' || p[0] == '/' || strlen(p) > 1024 || !fpq_io_name_ok(p, strlen(p)))
        return 0;
    for (const char *s = p; *s;) { /* no ".." component */
        size_t n = strcspn(s, "/");
        if (n == 2 && s[0] == '.' && s[1] == '.')
            return 0;
        s += n;
        if (*s == '/')
            s++;
    }
    return 1;
}

int fpq_io_parse_tfjs(fpq_io_file *f, fpq_io_shard_reader read_shard, void *ctx,
                      fpq_errbuf *err)
{
    f->kind = "tfjs";
    if (!fpq_io_utf8_ok((const char *)f->buf, f->len, 1))
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not UTF-8 text (not a TF.js model.json)",
                       f->path);
    json_error_t je;
    json_t *root = json_loadb((const char *)f->buf, f->len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: malformed JSON: %s (line %d, column %d)",
                       f->path, je.text, je.line, je.column);
    int rc = FPQ_OK;
    unsigned char *all = NULL;
    size_t total = 0;
    json_t *man = json_object_get(root, "weightsManifest");
    if (!json_is_array(man)) {
        rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                     "%s: no \"weightsManifest\" array (not a TF.js model.json)", f->path);
        goto done;
    }
    size_t gi;
    json_t *group;
    json_array_foreach(man, gi, group) {
        json_t *paths = json_object_get(group, "paths"), *weights = json_object_get(group, "weights");
        if (!json_is_array(paths) || !json_is_array(weights)) {
            rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                         "%s: weightsManifest[%zu] lacks \"paths\" or \"weights\" arrays", f->path, gi);
            goto done;
        }
        size_t base = total;
        size_t pi;
        json_t *jp;
        json_array_foreach(paths, pi, jp) {
            const char *p = json_string_value(jp);
            if (!p || !path_ok(p)) {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                             "%s: weightsManifest[%zu].paths[%zu] is not a relative path inside "
                             "the model's directory", f->path, gi, pi);
                goto done;
            }
            unsigned char *data;
            size_t len;
            rc = read_shard(ctx, p, &data, &len, err);
            if (rc != FPQ_OK)
                goto done;
            unsigned char *grown = len ? realloc(all, total + len) : all;
            if (len && (!grown || total + len < total)) {
                free(data);
                rc = fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: out of memory reading shards", f->path);
                goto done;
            }
            all = grown;
            if (len)
                memcpy(all + total, data, len);
            total += len;
            free(data);
        }
        size_t pos = base, end = total;
        size_t wi;
        json_t *w;
        json_array_foreach(weights, wi, w) {
            const char *name = json_string_value(json_object_get(w, "name"));
            const char *dtype = json_string_value(json_object_get(w, "dtype"));
            json_t *shape = json_object_get(w, "shape");
            json_t *quant = json_object_get(w, "quantization");
            if (!name || !dtype || !json_is_array(shape)) {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                             "%s: weightsManifest[%zu].weights[%zu] lacks a name, dtype or shape",
                             f->path, gi, wi);
                goto done;
            }
            int nl = (int)(strlen(name) > 60 ? 60 : strlen(name));
            fpq_io_tensor t;
            if ((rc = fpq_io_tensor_init(&t, json_array_size(shape), f, "weight", name, err)) != FPQ_OK)
                goto done;
            uint64_t n = 1;
            for (int d = 0; d < t.ndim; d++) {
                json_t *jd = json_array_get(shape, (size_t)d);
                if (!json_is_integer(jd) || json_integer_value(jd) < 0 ||
                    !fpq_io_mul(&n, n, (uint64_t)json_integer_value(jd))) {
                    rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                                 "%s: weight '%.*s': shape is not a list of non-negative integers "
                                 "with a product below 2^64", f->path, nl, name);
                    goto done;
                }
                t.shape[d] = (uint64_t)json_integer_value(jd);
            }
            size_t esize = 0;
            int is_string = 0;
            const char *qd = NULL;
            if (quant) {
                qd = json_string_value(json_object_get(quant, "dtype"));
                if (!qd) {
                    rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                                 "%s: weight '%.*s': quantization without a dtype", f->path, nl, name);
                    goto done;
                }
                esize = strcmp(qd, "uint8") == 0 ? 1
                        : strcmp(qd, "uint16") == 0 || strcmp(qd, "float16") == 0 ? 2 : 0;
                if (!esize) {
                    rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                                 "%s: weight '%.*s': unknown quantization dtype '%.20s'", f->path,
                                 nl, name, qd);
                    goto done;
                }
                t.type = FPQ_IO_UNSUPPORTED;
                snprintf(t.dtype, sizeof t.dtype, "%s(quantized)", qd);
                snprintf(t.why, sizeof t.why,
                         "quantized weight (%s with scale and min) is not supported; only "
                         "float32, int32 and bool weights are read", qd);
            } else if (strcmp(dtype, "float32") == 0) {
                esize = 4, t.type = FPQ_IO_F32;
            } else if (strcmp(dtype, "int32") == 0) {
                esize = 4, t.type = FPQ_IO_I32;
            } else if (strcmp(dtype, "bool") == 0) {
                esize = 1, t.type = FPQ_IO_BOOL;
            } else if (strcmp(dtype, "complex64") == 0 || strcmp(dtype, "string") == 0) {
                is_string = dtype[0] == 's';
                esize = is_string ? 0 : 8;
                t.type = FPQ_IO_UNSUPPORTED;
                snprintf(t.dtype, sizeof t.dtype, "%s", dtype);
                snprintf(t.why, sizeof t.why, "dtype %s is not supported", dtype);
            } else {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: weight '%.*s': unknown dtype '%.20s'",
                             f->path, nl, name, dtype);
                goto done;
            }
            uint64_t bytes = 0;
            if (is_string) { /* walk the u32 lengths */
                size_t p = pos;
                for (uint64_t k = 0; k < n; k++) {
                    if (end - p < 4) {
                        p = end + 1;
                        break;
                    }
                    uint32_t l = fpq_io_ld32(all + p, 0);
                    if (l > end - p - 4) {
                        p = end + 1;
                        break;
                    }
                    p += 4 + l;
                }
                bytes = p > end ? UINT64_MAX : p - pos;
            } else if (!fpq_io_mul(&bytes, n, esize)) {
                bytes = UINT64_MAX;
            }
            if (bytes > end - pos) {
                rc = fpq_err(err, FPQ_LAB_ERR_FORMAT,
                             "%s: weight '%.*s' (%s, %llu elements) runs past the end of its "
                             "group's shards (%zu bytes)", f->path, nl, name,
                             qd ? qd : dtype, (unsigned long long)n, end - base);
                goto done;
            }
            t.offset = pos;
            rc = fpq_io_add(f, &t, name, strlen(name), err);
            if (rc != FPQ_OK)
                goto done;
            pos += (size_t)bytes;
        }
    }
    /* the shards become the file's bytes */
    free(f->owned);
    f->owned = all;
    f->buf = all;
    f->len = total;
    all = NULL;
done:
    free(all);
    json_decref(root);
    return rc;
}
