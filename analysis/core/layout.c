/* layout.c: the sizes of libfpqlab's public structs as this library was
 * built, so a binding compiled against different headers can refuse to
 * run. */
#include <string.h>

#include "fpqlab.h"

size_t fpq_lab_struct_size(const char *name)
{
    if (name == NULL)
        return 0;
    if (strcmp(name, "fpq_tensor") == 0)
        return sizeof(fpq_tensor);
    if (strcmp(name, "fpq_errbuf") == 0)
        return sizeof(fpq_errbuf);
    if (strcmp(name, "fpq_qspec") == 0)
        return sizeof(fpq_qspec);
    if (strcmp(name, "fpq_qmetrics") == 0)
        return sizeof(fpq_qmetrics);
    return 0;
}
