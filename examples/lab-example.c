/* lab-example.c: quantize a generated tensor with libfpqlab.
 *
 * Build against an installed libfpqlab:
 *     cc -std=c11 lab-example.c $(pkg-config --cflags --libs fpqlab) -o lab-example
 * Output:
 *     normal:n=4096,seed=1 as int8 absmax: sqnr_db 41.57; normal:n=0: invalid spec
 * 4096 draws of a unit normal, quantized to int8 with one absmax scale for
 * the tensor; then a spec the generator refuses (n must be at least 1),
 * whose status fpq_lab_strerror names.
 */
#include <stdio.h>
#include <stdlib.h>

#include <fpqlab.h>

int main(void)
{
    const char *source = "normal:n=4096,seed=1";
    const char *bad = "normal:n=0";
    fpq_tensor x, y;
    fpq_qspec spec;
    fpq_qmetrics m;
    fpq_errbuf err;
    int status;

    status = fpq_source_load(&x, source, &err);
    if (status != FPQ_OK) {
        fprintf(stderr, "lab-example: %s: %s\n", fpq_lab_strerror(status), err.msg);
        return EXIT_FAILURE;
    }
    fpq_qspec_default(&spec); /* int8, absmax, one scale for the tensor */
    status = fpq_quantize(NULL, &m, &x, NULL, &spec, &err);
    fpq_tensor_free(&x);
    if (status != FPQ_OK) {
        fprintf(stderr, "lab-example: %s: %s\n", fpq_lab_strerror(status), err.msg);
        return EXIT_FAILURE;
    }
    status = fpq_source_load(&y, bad, &err);
    printf("%s as %s %s: sqnr_db %.2f; %s: %s\n", source, spec.format.name,
           fpq_scheme_name(spec.scheme), m.sqnr_db, bad, fpq_lab_strerror(status));
    return EXIT_SUCCESS;
}
