/* source.h: where the error lab's tensors come from.
 *
 * A source is either a generator spec, DIST:key=value,... (for example
 * "normal:n=1000000,std=1,seed=1" or "outliers:rows=512,cols=4096,frac=0.002,
 * scale=40,seed=3"; see dist.h), or a file: FILE, or FILE::NAME for one
 * tensor of a multi-tensor file (.npy, .safetensors, .gguf, TensorFlow.js
 * model.json, .wav and other audio, raw binary, text).
 */
#ifndef FPQ_SOURCE_H
#define FPQ_SOURCE_H

#include "tensor.h"

/* Fill *out (which the caller frees with fpq_tensor_free) from a source.
 * On failure *out is empty and err says what is wrong and where (file,
 * offset or key). */
int fpq_source_load(fpq_tensor *out, const char *source, fpq_errbuf *err);

/* Write t as a .npy file (version 1.0, little-endian '<f8', or '<f4' when
 * f32 is nonzero), C order, 2-D shape (rows, cols).  Written to PATH.tmp
 * then renamed, so an existing file is replaced whole or not at all. */
int fpq_npy_write(const char *path, const fpq_tensor *t, int f32, fpq_errbuf *err);

#endif
