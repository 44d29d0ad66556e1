/* io.h: tensor files of the error lab -- open a file, list its tensors,
 * read one as doubles; write .npy.  Used by the sources (source.h) and
 * `fpq inspect`.  The loaders' shared utility is io/io-impl.h.
 *
 * Every loader treats the file as hostile: each length, count, offset and
 * shape is checked against the bytes actually present before use, products
 * are checked for overflow, names must be UTF-8 without control
 * characters.  Errors name the file and what is wrong (with the byte
 * offset where it helps); nothing prints or exits.
 *
 * Formats (detected from the first bytes, else from the extension):
 *   .npy          NumPy, versions 1.0, 2.0, 3.0; '<' '>' '|' '=' byte
 *                 orders; f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1; C or
 *                 Fortran order.  Structured dtypes are refused.
 *   .safetensors  F64 F32 F16 BF16 I8 U8 I16 U16 I32 U32 I64 U64 BOOL;
 *                 other dtypes (F8_*) are listed and refused.
 *   .gguf         versions 2 and 3 (either byte order); F32 F16 BF16 F64
 *                 I8 I16 I32 I64; quantized types are listed and refused.
 *   model.json    TensorFlow.js layers/graph model with binary shards:
 *                 float32 and int32 (bool as u8); quantized weights
 *                 (uint8/uint16/float16 with scale) are listed and refused.
 *   .wd           GNU Backgammon binary weights (layout in io/gnubg.c).
 *   IDX           MNIST's format (*-ubyte, .idx; layout in io/idx.c): one
 *                 tensor, "labels" (1-D) or "images"; u8 i8 i16 i32 f32 f64.
 *   audio         WAV, FLAC, AIFF, AU, OGG... through libsndfile; samples
 *                 as doubles in [-1, 1) for integer PCM.
 *   raw:FILE,dtype=T[,endian=little|big][,offset=BYTES][,shape=AxBx...]
 *   text:FILE or *.txt  one number per line (blank and '#' lines skipped).
 *
 * A tensor of shape (d0, ..., dk) becomes a (d0 ... dk-1) x dk matrix, a
 * vector of shape (d0) a 1 x d0 one and a scalar 1 x 1; audio is channels x
 * frames.  Shapes are listed slowest axis first (NumPy order; GGUF's ne[]
 * reversed).
 */
#ifndef FPQ_IO_H
#define FPQ_IO_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"
#include "outfile.h"

typedef enum fpq_io_type {
    FPQ_IO_F64, FPQ_IO_F32, FPQ_IO_F16, FPQ_IO_BF16,
    FPQ_IO_I8, FPQ_IO_U8, FPQ_IO_I16, FPQ_IO_U16,
    FPQ_IO_I32, FPQ_IO_U32, FPQ_IO_I64, FPQ_IO_U64,
    FPQ_IO_BOOL,
    FPQ_IO_AUDIO,      /* decoded by libsndfile on read */
    FPQ_IO_UNSUPPORTED /* listed, not readable; see why */
} fpq_io_type;

#define FPQ_IO_MAXDIM 8

typedef struct fpq_io_tensor {
    char *name;          /* owned; UTF-8 without control characters */
    char dtype[24];      /* as listed: f32, bf16, q4_K, uint8(quantized), ... */
    fpq_io_type type;
    char why[128];       /* FPQ_IO_UNSUPPORTED: why it cannot be read */
    int ndim;
    uint64_t shape[FPQ_IO_MAXDIM]; /* slowest axis first */
    uint64_t n;          /* product of shape (1 for a scalar) */
    size_t offset;       /* byte offset of the first element in the file's buffer */
    int big_endian;      /* element bytes are big-endian */
    int fortran;         /* column-major element order */
} fpq_io_tensor;

typedef struct fpq_io_file {
    char *path;                 /* owned copy of the path */
    const char *kind;           /* "npy", "safetensors", "gguf", "tfjs", "gnubg", "idx",
                                   "audio", "raw", "text" */
    const unsigned char *buf;   /* the bytes tensors point into */
    size_t len;
    void *map;                  /* mmap of the file, or NULL */
    size_t maplen;
    unsigned char *owned;       /* malloc'd bytes (shards, parsed text), or NULL */
    fpq_io_tensor *t;
    size_t nt, cap;
} fpq_io_file;

/* Open a tensor file and list its tensors (format from the contents, else
 * the extension).  On failure f is left empty (fpq_io_close is harmless)
 * and err says what is wrong. */
int fpq_io_open(fpq_io_file *f, const char *path, fpq_errbuf *err);

/* Open "raw:FILE,..." (the text after "raw:", io/raw.c) or the text file
 * PATH of "text:PATH" (io/text.c). */
int fpq_io_open_raw(fpq_io_file *f, const char *spec, fpq_errbuf *err);
int fpq_io_open_text(fpq_io_file *f, const char *path, fpq_errbuf *err);

void fpq_io_close(fpq_io_file *f);

/* Index of the tensor called name; FPQ_LAB_ERR_FORMAT naming the file
 * (and a few tensor names) when there is none. */
int fpq_io_find(const fpq_io_file *f, const char *name, size_t *index, fpq_errbuf *err);

/* Read tensor i as a rows x cols matrix of doubles (see above).  Refuses
 * FPQ_IO_UNSUPPORTED tensors with their reason. */
int fpq_io_read(fpq_tensor *out, const fpq_io_file *f, size_t i, fpq_errbuf *err);

/* Bytes per element of a readable type (0 for AUDIO and UNSUPPORTED). */
size_t fpq_io_type_size(fpq_io_type t);
/* Short name of a type: "f32", "bf16", "u8"... */
const char *fpq_io_type_name(fpq_io_type t);

/* "AxBxC" (or "scalar") into buf. */
void fpq_io_shape_text(char *buf, size_t n, const fpq_io_tensor *t);

/* Read everything from the descriptor fd (opened on path, which messages
 * name) to its end into malloc'd memory, with a '\0' after the *len bytes
 * (so text can be parsed in place).  FPQ_OK, FPQ_LAB_ERR_IO ("PATH:
 * reason") or FPQ_ERR_NO_MEMORY; *data is NULL on failure. */
int fpq_io_read_fd(char **data, size_t *len, int fd, const char *path, fpq_errbuf *err);

/* Write t as a .npy file (version 1.0, little-endian '<f8', or '<f4' when
 * f32 is nonzero), C order, 2-D shape (rows, cols), under the rules of
 * outfile.h: through a temporary renamed into place, so an existing file is
 * replaced whole or not at all, and only when flags hold FPQ_OUT_FORCE
 * (io/npy.c). */
int fpq_npy_write(const char *path, const fpq_tensor *t, int f32, unsigned flags, fpq_errbuf *err);
/* The same for rows x cols 64-bit integers, '<i8' (quantized codes). */
int fpq_npy_write_i64(const char *path, const int64_t *v, size_t rows, size_t cols, unsigned flags,
                      fpq_errbuf *err);

#endif
