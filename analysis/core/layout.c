/* layout.c: the sizes of libfpqlab's public structs as this library was
 * built, so a binding compiled against different headers can refuse to
 * run. */
#include <string.h>

#include "fpqlab.h"

size_t fpq_lab_struct_size(const char *name)
{
    static const struct {
        const char *name;
        size_t size;
    } sizes[] = {
        {"fpq_tensor", sizeof(fpq_tensor)},
        {"fpq_errbuf", sizeof(fpq_errbuf)},
        {"fpq_qspec", sizeof(fpq_qspec)},
        {"fpq_qmetrics", sizeof(fpq_qmetrics)},
    };
    if (name == NULL)
        return 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        if (strcmp(sizes[i].name, name) == 0)
            return sizes[i].size;
    return 0;
}
