/* io/audio.c: audio through libsndfile (WAV, RF64, FLAC, Ogg/Vorbis, AIFF,
 * AU and the rest libsndfile reads), from the mapped bytes through its
 * virtual I/O.  Samples become doubles with libsndfile's normalisation:
 * integer PCM of B bits is divided by 2^(B-1), so it lies in [-1, 1);
 * float files are passed through as stored.  A file is one tensor named
 * after the file, frames x channels: one row per sample frame (one instant),
 * one column per channel, so per-channel quantization (granularity col)
 * gives each audio channel its own scale and a mono file is frames x 1.
 * Listed dtypes: pcm8, pcmu8,
 * pcm16, pcm24, pcm32, f32, f64, ulaw, alaw, vorbis, flac..., "audio" for
 * other encodings. */
#include "io-impl.h"

#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct vio {
    const unsigned char *p;
    sf_count_t len, pos;
} vio;

static sf_count_t v_len(void *u) { return ((vio *)u)->len; }
static sf_count_t v_tell(void *u) { return ((vio *)u)->pos; }
static sf_count_t v_seek(sf_count_t off, int whence, void *u)
{
    vio *v = u;
    sf_count_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? v->pos : v->len;
    if (off < -base || off > v->len - base)
        return -1;
    v->pos = base + off;
    return v->pos;
}
static sf_count_t v_read(void *ptr, sf_count_t n, void *u)
{
    vio *v = u;
    if (n < 0)
        return 0;
    if (n > v->len - v->pos)
        n = v->len - v->pos;
    memcpy(ptr, v->p + v->pos, (size_t)n);
    v->pos += n;
    return n;
}
static sf_count_t v_write(const void *ptr, sf_count_t n, void *u)
{
    (void)ptr, (void)n, (void)u;
    return 0;
}

/* An audio file open in libsndfile over its bytes. */
typedef struct snd {
    vio v;
    SF_INFO info;
    SNDFILE *sf;
} snd;

/* Open f's bytes with libsndfile; FPQ_LAB_ERR_FORMAT when it cannot read
 * them. */
static int snd_open(snd *a, const fpq_io_file *f, fpq_errbuf *err)
{
    static SF_VIRTUAL_IO io = {v_len, v_seek, v_read, v_write, v_tell};
    a->v.p = f->buf;
    a->v.len = (sf_count_t)f->len;
    a->v.pos = 0;
    memset(&a->info, 0, sizeof a->info);
    a->sf = sf_open_virtual(&io, SFM_READ, &a->info, &a->v);
    if (!a->sf)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: not a readable audio file (libsndfile: %s)",
                       f->path, sf_strerror(NULL));
    return FPQ_OK;
}

static const char *subtype_name(int format)
{
    switch (format & SF_FORMAT_SUBMASK) {
    case SF_FORMAT_PCM_S8: return "pcm8";
    case SF_FORMAT_PCM_U8: return "pcmu8";
    case SF_FORMAT_PCM_16: return "pcm16";
    case SF_FORMAT_PCM_24: return "pcm24";
    case SF_FORMAT_PCM_32: return "pcm32";
    case SF_FORMAT_FLOAT: return "f32";
    case SF_FORMAT_DOUBLE: return "f64";
    case SF_FORMAT_ULAW: return "ulaw";
    case SF_FORMAT_ALAW: return "alaw";
    case SF_FORMAT_VORBIS: return "vorbis";
    default: return "audio";
    }
}

int fpq_io_parse_audio(fpq_io_file *f, fpq_errbuf *err)
{
    f->kind = "audio";
    snd a;
    int rc = snd_open(&a, f, err);
    if (rc != FPQ_OK)
        return rc;
    sf_close(a.sf);
    const SF_INFO info = a.info;
    if (info.channels < 1 || info.frames < 0)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT, "%s: audio header claims %d channels and %lld frames",
                       f->path, info.channels, (long long)info.frames);
    /* A hostile header may claim far more samples than the bytes can
     * encode: allow at most 64 samples per byte (beyond any codec's
     * compression of real audio) before allocating. */
    uint64_t n;
    if (!fpq_io_mul(&n, (uint64_t)info.frames, (uint64_t)info.channels) ||
        n / 64 > (uint64_t)f->len)
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: audio header claims %lld frames of %d channels, more than the %zu "
                       "bytes of the file can hold", f->path, (long long)info.frames,
                       info.channels, f->len);
    fpq_io_tensor t;
    memset(&t, 0, sizeof t);
    t.type = FPQ_IO_AUDIO;
    snprintf(t.dtype, sizeof t.dtype, "%s", subtype_name(info.format));
    t.ndim = 2;
    t.shape[0] = (uint64_t)info.frames;
    t.shape[1] = (uint64_t)info.channels;
    return fpq_io_add_file_tensor(f, &t, err);
}

int fpq_io_read_audio(fpq_tensor *out, const fpq_io_file *f, size_t i, fpq_errbuf *err)
{
    const fpq_io_tensor *t = &f->t[i];
    size_t frames = (size_t)t->shape[0], ch = (size_t)t->shape[1];
    snd a;
    int rc = snd_open(&a, f, err);
    if (rc != FPQ_OK)
        return rc;
    SNDFILE *sf = a.sf;
    fpq_tensor r;
    if (fpq_tensor_alloc(&r, frames, ch) != FPQ_OK) {
        sf_close(sf);
        fpq_tensor_free(&r);
        return fpq_err(err, FPQ_ERR_NO_MEMORY, "%s: cannot allocate %zu x %zu doubles", f->path,
                       frames, ch);
    }
    /* libsndfile's frames are interleaved: row-major frames x channels */
    sf_count_t got = frames ? sf_readf_double(sf, r.data, (sf_count_t)frames) : 0;
    int serr = sf_error(sf);
    const char *smsg = sf_strerror(sf);
    char msg[128];
    snprintf(msg, sizeof msg, "%s", smsg ? smsg : "");
    sf_close(sf);
    if (got != (sf_count_t)frames || serr != SF_ERR_NO_ERROR) {
        fpq_tensor_free(&r);
        return fpq_err(err, FPQ_LAB_ERR_FORMAT,
                       "%s: truncated or corrupt audio: the header claims %zu frames, %lld were "
                       "read%s%s", f->path, frames, (long long)got, serr ? "; libsndfile: " : "",
                       serr ? msg : "");
    }
    *out = r;
    return FPQ_OK;
}
