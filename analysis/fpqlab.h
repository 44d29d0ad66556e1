/* fpqlab.h: libfpqlab, the error lab of fpq, in one header.
 *
 * libfpqlab sits on libfpq (fpq.h): it makes tensors from generator specs
 * and files, quantizes them under a spec, measures the error, multiplies
 * quantized matrices, and runs sweeps of such experiments.  Each concern has
 * its header, all included here:
 *
 *   status.h  the status codes of both libraries, fpq_lab_strerror,
 *             fpq_errbuf
 *   outfile.h how files are written: temporaries renamed into place,
 *             --force, devices and links, locks
 *   tensor.h  rows x cols doubles
 *   stats.h   summary statistics of a tensor
 *   dist.h    the counter-based generator, distributions, generator specs
 *   io.h      tensor files: open, list, read; write .npy
 *   source.h  a source's spelling (spec, FILE, FILE::NAME, raw:, text:,
 *             [A:B]) parsed and loaded
 *   quant.h   quantization specs, fpq_quantize, error metrics, Lloyd-Max
 *   matmul.h  quantized matrix products and their error
 *   gptq.h    GPTQ weight quantization
 *   hqq.h     HQQ weight quantization (zero-points by half-quadratic steps)
 *   transform.h  Hadamard rotation and SmoothQuant factors
 *   method.h  a product with a weight method and those transforms
 *   sweep.h   plans, runs and merges of sweeps
 *   train.h   a small network engine: an MLP trained on IDX images with
 *             quantization points, evaluation and post-training quantization
 *
 * Build against an installed libfpqlab with
 *     cc prog.c $(pkg-config --cflags --libs fpqlab)
 * (libfpqlab's version is libfpq's, FPQ_VERSION_STRING.)
 */
#ifndef FPQ_FPQLAB_H
#define FPQ_FPQLAB_H

#include "status.h"
#include "outfile.h"
#include "tensor.h"
#include "stats.h"
#include "dist.h"
#include "io.h"
#include "source.h"
#include "quant.h"
#include "matmul.h"
#include "gptq.h"
#include "hqq.h"
#include "transform.h"
#include "method.h"
#include "sweep.h"
#include "train.h"

#endif
